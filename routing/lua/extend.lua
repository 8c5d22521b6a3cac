-- Grow a live lease by `amount` (a further fallback hop), within the same limits as reserve.
-- KEYS: 1 day hash, 2 month hash, 3 leases zset, 4 this lease's hash
-- ARGV: 1 amount, 2 task, 3 day limit, 4 month limit, 5 task day limit, 6 task month limit
local amount = tonumber(ARGV[1])
local task = ARGV[2]
if redis.call('EXISTS', KEYS[4]) == 0 then
  return {0, 'expired'}
end
local function used(key, suffix)
  local v = redis.call('HMGET', key, 'spent' .. suffix, 'held' .. suffix)
  return (tonumber(v[1]) or 0) + (tonumber(v[2]) or 0)
end
local checks = {
  {KEYS[1], '', tonumber(ARGV[3]), 'daily'},
  {KEYS[2], '', tonumber(ARGV[4]), 'monthly'},
  {KEYS[1], ':' .. task, tonumber(ARGV[5]), 'task_daily'},
  {KEYS[2], ':' .. task, tonumber(ARGV[6]), 'task_monthly'},
}
for _, c in ipairs(checks) do
  if c[3] >= 0 and used(c[1], c[2]) + amount > c[3] then
    return {0, c[4]}
  end
end
redis.call('HINCRBY', KEYS[1], 'held', amount)
redis.call('HINCRBY', KEYS[1], 'held:' .. task, amount)
redis.call('HINCRBY', KEYS[2], 'held', amount)
redis.call('HINCRBY', KEYS[2], 'held:' .. task, amount)
redis.call('HINCRBY', KEYS[4], 'amount', amount)
return {1, 'ok'}
