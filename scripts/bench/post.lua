-- wrk script: POST the request body in $BODY_FILE (default: examples/sample_request.json of this
-- repository) as application/json on keep-alive connections, then print one summary line:
--   RESULT requests=N seconds=S req_per_s=R p50_ms=A p99_ms=B max_ms=C non2xx=N sockerr=N
-- non2xx is wrk's count of responses with a status of 400 or more (these servers send no 1xx/3xx);
-- no per-response callback, so wrk itself stays as fast as it can be.
--   BODY_FILE=examples/sample_request.json wrk -t2 -c64 -d5s -s scripts/bench/post.lua http://127.0.0.1:18080/predict
local function default_body_file()
  local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
  return here .. "../../examples/sample_request.json"
end

local path = os.getenv("BODY_FILE") or default_body_file()
local f = assert(io.open(path, "rb"), "cannot read BODY_FILE " .. path)
local body = f:read("*a"):gsub("%s+$", "")
f:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d seconds=%.3f req_per_s=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f non2xx=%d sockerr=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
