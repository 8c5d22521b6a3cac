-- Settle a lease: release what it held, book what was actually spent, append the ledger rows.
-- KEYS: 1 day hash, 2 month hash, 3 leases zset, 4 this lease's hash, 5 ledger stream,
--       6 budget-remaining metrics hash
-- ARGV: 1 actual micro-dollars, 2 task, 3 ledger max length, 4 day limit, 5 month limit,
--       6 soft ratio, 7 org id, 8.. one JSON ledger row each
-- Money actually spent is booked even if the lease already expired (the spend happened).
local actual = tonumber(ARGV[1])
local task = ARGV[2]
local held = redis.call('HGET', KEYS[4], 'amount')
if held then
  local h = -tonumber(held)
  redis.call('HINCRBY', KEYS[1], 'held', h)
  redis.call('HINCRBY', KEYS[1], 'held:' .. task, h)
  redis.call('HINCRBY', KEYS[2], 'held', h)
  redis.call('HINCRBY', KEYS[2], 'held:' .. task, h)
  redis.call('DEL', KEYS[4])
  redis.call('ZREM', KEYS[3], KEYS[4])
end
local day_before = tonumber(redis.call('HGET', KEYS[1], 'spent') or '0')
local month_before = tonumber(redis.call('HGET', KEYS[2], 'spent') or '0')
local day_after = redis.call('HINCRBY', KEYS[1], 'spent', actual)
redis.call('HINCRBY', KEYS[1], 'spent:' .. task, actual)
local month_after = redis.call('HINCRBY', KEYS[2], 'spent', actual)
redis.call('HINCRBY', KEYS[2], 'spent:' .. task, actual)
redis.call('EXPIRE', KEYS[1], 259200)
redis.call('EXPIRE', KEYS[2], 3456000)
for i = 8, #ARGV do
  redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[3], '*', 'row', ARGV[i])
end
if tonumber(ARGV[4]) >= 0 then
  redis.call('HSET', KEYS[6], ARGV[7] .. '|daily', tonumber(ARGV[4]) - day_after)
end
if tonumber(ARGV[5]) >= 0 then
  redis.call('HSET', KEYS[6], ARGV[7] .. '|monthly', tonumber(ARGV[5]) - month_after)
end
-- Which thresholds this settlement crossed: exactly one settlement crosses each.
local crossed = {}
local soft = tonumber(ARGV[6])
local function cross(before, after, limit, name)
  if limit < 0 then return end
  if before < soft * limit and after >= soft * limit then table.insert(crossed, name .. ':soft') end
  if before < limit and after >= limit then table.insert(crossed, name .. ':hard') end
end
cross(day_before, day_after, tonumber(ARGV[4]), 'daily')
cross(month_before, month_after, tonumber(ARGV[5]), 'monthly')
return {day_after, month_after, crossed}
