-- Reserve `amount` micro-dollars against an organization's budgets, atomically.
-- KEYS: 1 day hash, 2 month hash, 3 leases zset, 4 this lease's hash
-- ARGV: 1 amount, 2 now_ms, 3 expires_ms, 4 task,
--       5 day limit, 6 month limit, 7 task day limit, 8 task month limit  (-1 = none)
-- Leases whose holder died (past expires_ms) are returned to the budget first.
local amount = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
local task = ARGV[4]

local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)
for _, lease in ipairs(expired) do
  local l = redis.call('HMGET', lease, 'amount', 'day', 'month', 'task')
  if l[1] then
    local a = -tonumber(l[1])
    redis.call('HINCRBY', l[2], 'held', a)
    redis.call('HINCRBY', l[2], 'held:' .. l[4], a)
    redis.call('HINCRBY', l[3], 'held', a)
    redis.call('HINCRBY', l[3], 'held:' .. l[4], a)
    redis.call('DEL', lease)
  end
  redis.call('ZREM', KEYS[3], lease)
end

local function used(key, suffix)
  local v = redis.call('HMGET', key, 'spent' .. suffix, 'held' .. suffix)
  return (tonumber(v[1]) or 0) + (tonumber(v[2]) or 0)
end

local checks = {
  {KEYS[1], '', tonumber(ARGV[5]), 'daily'},
  {KEYS[2], '', tonumber(ARGV[6]), 'monthly'},
  {KEYS[1], ':' .. task, tonumber(ARGV[7]), 'task_daily'},
  {KEYS[2], ':' .. task, tonumber(ARGV[8]), 'task_monthly'},
}
for _, c in ipairs(checks) do
  if c[3] >= 0 and used(c[1], c[2]) + amount > c[3] then
    return {0, c[4], used(c[1], c[2]), c[3]}
  end
end

redis.call('HINCRBY', KEYS[1], 'held', amount)
redis.call('HINCRBY', KEYS[1], 'held:' .. task, amount)
redis.call('HINCRBY', KEYS[2], 'held', amount)
redis.call('HINCRBY', KEYS[2], 'held:' .. task, amount)
redis.call('EXPIRE', KEYS[1], 259200)
redis.call('EXPIRE', KEYS[2], 3456000)
redis.call('HSET', KEYS[4], 'amount', amount, 'day', KEYS[1], 'month', KEYS[2], 'task', task)
redis.call('PEXPIREAT', KEYS[4], tonumber(ARGV[3]) + 3600000)
redis.call('ZADD', KEYS[3], tonumber(ARGV[3]), KEYS[4])
return {1, 'ok', used(KEYS[1], ''), used(KEYS[2], '')}
