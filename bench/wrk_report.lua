-- wrk script for bench/: rotate bearer tokens (one per line of args[1]; the API rate-limits per
-- credential); with args[2], POST its JSON bodies (one per line) in rotation instead of GET.
-- Prints the figures as one JSON line.
local tokens = {}
local bodies = {}
local next_request = 0

function init(args)
  if args[1] then for line in io.lines(args[1]) do tokens[#tokens + 1] = line end end
  if args[2] then for line in io.lines(args[2]) do bodies[#bodies + 1] = line end end
end

function request()
  next_request = next_request + 1
  local headers = {}
  if #tokens > 0 then
    headers["Authorization"] = "Bearer " .. tokens[(next_request - 1) % #tokens + 1]
  end
  if #bodies == 0 then return wrk.format("GET", nil, headers) end
  headers["Content-Type"] = "application/json"
  return wrk.format("POST", nil, headers, bodies[(next_request - 1) % #bodies + 1])
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
