-- wrk script for bench/webhooks.py: POST each pre-signed webhook of args[1] once, then stop.
-- One line per call: header pairs "name=value" joined by \031, a tab, then the raw body (the
-- signature covers these exact bytes). Run with -t1. Prints the figures as one JSON line.
local calls = {}
local sent = 0
local answered = 0

function init(args)
  for line in io.lines(args[1]) do
    local head, body = line:match("^([^\t]*)\t(.*)$")
    local headers = {}
    for pair in head:gmatch("[^\031]+") do
      local name, value = pair:match("^([^=]+)=(.*)$")
      headers[name] = value
    end
    calls[#calls + 1] = {headers = headers, body = body}
  end
end

function request()
  sent = sent + 1
  local call = calls[(sent - 1) % #calls + 1]
  return wrk.format("POST", nil, call.headers, call.body)
end

function response(status, headers, body)
  answered = answered + 1
  if answered >= #calls then wrk.thread:stop() end
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
