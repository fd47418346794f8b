-- wrk script: `recordDeposit` of 1.00 in the agreement's currency, each with a new idempotency
-- key, round-robin over the open agreements in BENCH_CONTRIBUTIONS ("globalId:CUR,..."), dated
-- BENCH_DATE, with the ADMIN token BENCH_TOKEN. A response counts as an error unless it is 200
-- with no "errors" and empty userErrors. Prints one `BENCH {json}` line.
local agreements = {}
for id, currency in string.gmatch(os.getenv("BENCH_CONTRIBUTIONS"), "([^,:]+):(%u%u%u)") do
  table.insert(agreements, { id = id, currency = currency })
end
assert(#agreements > 0, "BENCH_CONTRIBUTIONS names no agreement")
local day = os.getenv("BENCH_DATE")
local run = os.getenv("BENCH_RUN") or tostring(os.time())
local headers = {
  ["Content-Type"] = "application/json",
  ["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN"),
}
local query = 'mutation($i: RecordDepositInput!) { recordDeposit(input: $i) { deposit { id amountUsd } userErrors { code message } } }'

local threads = {}
local count = 0
function setup(thread)
  count = count + 1
  thread:set("tid", count)
  table.insert(threads, thread)
end

counter = 0
function request()
  counter = counter + 1
  local a = agreements[(counter * 7 + tid) % #agreements + 1]
  local body = string.format(
    '{"query":"%s","variables":{"i":{"contribution":"%s","receivedOn":"%s","amount":{"amount":"1.00","currency":"%s"},"exchangeRate":"1","idempotencyKey":"bench-%s-%d-%d"}}}',
    query, a.id, day, a.currency, run, tid, counter)
  return wrk.format("POST", "/graphql", headers, body)
end

bad = 0
sample = ""
function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) or not string.find(body, '"userErrors":[]', 1, true) then
    bad = bad + 1
    if sample == "" then sample = string.sub(body, 1, 400) end
  end
end

function done(summary, latency, requests)
  local errors, first = 0, ""
  for _, thread in ipairs(threads) do
    errors = errors + thread:get("bad")
    if first == "" then first = thread:get("sample") end
  end
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"seconds":%.3f,"rps":%.1f,"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,"errors":%d,"socket_errors":%d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, errors, e.connect + e.read + e.write + e.timeout))
  if first ~= "" then io.write("BENCH_SAMPLE " .. first .. "\n") end
end
