-- wrk script: POST a new transaction on every request, as a payment system does: ids count up from
-- START_ID (shared by the threads, no repeats), tx_datetime advances so the stream carries
-- TX_PER_DAY transactions a day from 2018-04-01, customers and terminals drawn by a hash of the id
-- among CUSTOMERS and TERMINALS. MODE=raw sends the raw fields only (for --feature-store);
-- MODE=precomputed adds the handbook's features (constant values), so both modes cost wrk the same
-- formatting work. BATCH=n sends the stream n transactions to a request (a JSON array: how the
-- benchmark fills a store quickly). At the end: the RESULT line of post.lua, and the next id in
-- STATE_FILE (if set) so the next run continues the stream.
--   START_ID=0 MODE=raw wrk -t2 -c16 -d5s -s scripts/bench/transactions.lua http://127.0.0.1:18080/predict
local start_id = tonumber(os.getenv("START_ID") or "0")
local mode = os.getenv("MODE") or "raw"
local per_day = tonumber(os.getenv("TX_PER_DAY") or "200000")
local customers = tonumber(os.getenv("CUSTOMERS") or "100000")
local terminals = tonumber(os.getenv("TERMINALS") or "20000")
local state_file = os.getenv("STATE_FILE")
local batch = tonumber(os.getenv("BATCH") or "1")
local t0 = 1522540800  -- 2018-04-01 00:00:00 UTC
local threads = {}
local thread_count = 0

function setup(thread)
  thread:set("index", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

function init(args)
  n = 0
  stride = tonumber(os.getenv("WRK_T") or "2")
end

local precomputed = ',"tx_during_weekend":0,"tx_during_night":1,"customer_id_nb_tx_1day_window":2,'
  .. '"customer_id_avg_amount_1day_window":47.675,"customer_id_nb_tx_7day_window":8,'
  .. '"customer_id_avg_amount_7day_window":55.2775,"customer_id_nb_tx_30day_window":66,'
  .. '"customer_id_avg_amount_30day_window":58.474242424242426,"terminal_id_nb_tx_1day_window":2,'
  .. '"terminal_id_risk_1day_window":0.0,"terminal_id_nb_tx_7day_window":7,"terminal_id_risk_7day_window":0.0,'
  .. '"terminal_id_nb_tx_30day_window":19,"terminal_id_risk_30day_window":0.0'
local headers = {["Content-Type"] = "application/json"}

local function transaction(id)
  local t = t0 + math.floor(id * 86400 / per_day)
  -- Both products stay below 2^53, where Lua's doubles are exact.
  local h = ((id % 65536) * 2654435761 + math.floor(id / 65536) * 40503) % 4294967296
  return string.format('{"transaction_id":%d,"tx_datetime":"%s","customer_id":%d,"terminal_id":%d,"tx_amount":%.2f%s}',
    id, os.date("!%Y-%m-%d %H:%M:%S", t), h % customers, math.floor(h / 7) % terminals, 5 + (h % 20000) / 100,
    mode == "precomputed" and precomputed or "")
end

function request()
  local first = start_id + (n * stride + index) * batch
  n = n + 1
  if batch == 1 then
    return wrk.format("POST", nil, headers, transaction(first))
  end
  local items = {}
  for k = 0, batch - 1 do items[k + 1] = transaction(first + k) end
  return wrk.format("POST", nil, headers, "[" .. table.concat(items, ",") .. "]")
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d seconds=%.3f req_per_s=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f non2xx=%d sockerr=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
  assert(#threads == tonumber(os.getenv("WRK_T") or "2"), "set WRK_T to wrk's -t (the id stride)")
  if state_file then
    local next_id = start_id
    for _, thread in ipairs(threads) do
      local sent = ((thread:get("n") or 0) * #threads + thread:get("index") + 1) * batch
      next_id = math.max(next_id, start_id + sent)
    end
    local f = assert(io.open(state_file, "w"))
    f:write(string.format("%d\n", next_id))
    f:close()
  end
end
