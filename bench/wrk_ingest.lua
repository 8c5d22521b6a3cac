-- wrk script for bench/ingest.py: POST each body of args[2] once (one JSON per line) with the
-- API keys of args[1] in rotation (X-Api-Key), then stop. Run with -t1 so one thread sends all.
-- Prints the figures as one JSON line.
local keys = {}
local bodies = {}
local sent = 0
local answered = 0

function init(args)
  for line in io.lines(args[1]) do keys[#keys + 1] = line end
  for line in io.lines(args[2]) do bodies[#bodies + 1] = line end
end

function request()
  sent = sent + 1
  local index = (sent - 1) % #bodies + 1
  local headers = {}
  headers["X-Api-Key"] = keys[(sent - 1) % #keys + 1]
  headers["Content-Type"] = "application/json"
  return wrk.format("POST", nil, headers, bodies[index])
end

function response(status, headers, body)
  answered = answered + 1
  if answered >= #bodies then wrk.thread:stop() end
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
