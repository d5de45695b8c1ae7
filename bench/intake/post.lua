-- wrk script for the intake benchmark: POSTs the bodies in $BODIES (one JSON per line) in turn,
-- with $AUTH as the Authorization header, and prints one RESULT line per figure.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = os.getenv("AUTH")

local threads = {}
function setup(thread) table.insert(threads, thread) end

local bodies, n = {}, 0
function init(args)
  for line in io.lines(os.getenv("BODIES")) do bodies[#bodies + 1] = line end
  n = math.random(#bodies)
  codes = {}
end

function request()
  n = n % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[n])
end

function response(status, headers, body)
  codes[status] = (codes[status] or 0) + 1
end

function done(summary, latency, requests)
  local s = summary.duration / 1e6
  io.write(string.format("RESULT requests=%d seconds=%.1f per_s=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.1f\n",
    summary.requests, s, summary.requests / s, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
  local e = summary.errors
  io.write(string.format("RESULT errors connect=%d read=%d write=%d timeout=%d status=%d\n",
    e.connect, e.read, e.write, e.timeout, e.status))
  local all = {}
  for _, t in ipairs(threads) do
    for code, c in pairs(t:get("codes") or {}) do all[code] = (all[code] or 0) + c end
  end
  for code, c in pairs(all) do io.write(string.format("RESULT status_%s=%d\n", code, c)) end
end
