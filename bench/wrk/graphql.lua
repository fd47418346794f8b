-- wrk script: POSTs one GraphQL request (the JSON body in the file BENCH_BODY, with the bearer
-- token BENCH_TOKEN if set) and checks every response: a status other than 200 or a body with
-- "errors" counts as an error. Prints one `BENCH {json}` line with the results.
local file = assert(io.open(os.getenv("BENCH_BODY"), "r"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"
local token = os.getenv("BENCH_TOKEN")
if token ~= nil and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

bad = 0
sample = ""
function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then
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
