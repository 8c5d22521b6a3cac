-- wrk script for bench/classify.py: POST JSON bodies (one per line of args[1]) in rotation with
-- the bearer tokens of args[2] (one per line, also rotated: the API rate-limits per credential);
-- prints figures as JSON like wrk_report.lua.
local bodies = {}
local tokens = {}
local next_body = 0

function init(args)
  for line in io.lines(args[1]) do bodies[#bodies + 1] = line end
  for line in io.lines(args[2]) do tokens[#tokens + 1] = line end
end

function request()
  next_body = next_body % #bodies + 1
  return wrk.format("POST", nil, {
    ["Authorization"] = "Bearer " .. tokens[(next_body - 1) % #tokens + 1],
    ["Content-Type"] = "application/json",
  }, bodies[next_body])
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "non_2xx": %d, "socket_errors": %d, ' ..
    '"p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f}\n',
    summary.requests, summary.duration / 1e6, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
