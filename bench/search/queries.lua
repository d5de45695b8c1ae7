-- wrk script for the search benchmark: GETs /api/v1/matters?q=…&limit=20 for each query in
-- $QUERIES (separated by commas) in turn, each thread starting at its own, with $AUTH as the
-- Authorization header; prints one RESULT line per figure.
wrk.headers["Authorization"] = os.getenv("AUTH")

local threads = {}
function setup(thread) table.insert(threads, thread) end

local function encode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local paths, n = {}, 0
function init(args)
  for q in string.gmatch(os.getenv("QUERIES"), "[^,]+") do
    paths[#paths + 1] = "/api/v1/matters?limit=20&q=" .. encode(q)
  end
  n = math.random(#paths)
  codes = {}
end

function request()
  n = n % #paths + 1
  return wrk.format("GET", paths[n])
end

function response(status, headers, body)
  codes[status] = (codes[status] or 0) + 1
end

function done(summary, latency, requests)
  local s = summary.duration / 1e6
  io.write(string.format("RESULT requests=%d seconds=%.1f per_s=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.1f\n",
    summary.requests, s, summary.requests / s, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
  local all = {}
  for _, t in ipairs(threads) do
    for code, c in pairs(t:get("codes") or {}) do all[code] = (all[code] or 0) + c end
  end
  for code, c in pairs(all) do io.write(string.format("RESULT status_%s=%d\n", code, c)) end
end
