-- wrk script for scripts/bench_swap.py: POST /predict with $BODY_FILE and count, per response,
-- non-200 statuses and which model_version answered (expected: $VERSION_A or $VERSION_B).
local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
local body = f:read("*a"):gsub("%s+$", "")
f:close()
wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"

local a = '"model_version":"' .. os.getenv("VERSION_A") .. '"'
local b = '"model_version":"' .. os.getenv("VERSION_B") .. '"'
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  seen_a, seen_b, other, bad_status = 0, 0, 0, 0
end

function response(status, headers, body)
  if status ~= 200 then bad_status = bad_status + 1 end
  if body:find(a, 1, true) then seen_a = seen_a + 1
  elseif body:find(b, 1, true) then seen_b = seen_b + 1
  else other = other + 1 end
end

function done(summary, latency, requests)
  local sa, sb, so, sbad = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    sa = sa + t:get("seen_a"); sb = sb + t:get("seen_b"); so = so + t:get("other"); sbad = sbad + t:get("bad_status")
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d req/s=%.0f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f non2xx=%d sockerr=%d a=%d b=%d other=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, e.status + sbad,
    e.connect + e.read + e.write + e.timeout, sa, sb, so))
end
