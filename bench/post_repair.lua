-- POST /api/v1/repairs as the bench resident, each request with its own Idempotency-Key
-- (BENCH_TAG + thread + counter) so none is answered from the idempotency store.
--   BENCH_UNIT  the unit the repairs are reported for;  BENCH_RATE  fixed rate (0: closed loop)
package.path = (os.getenv("BENCH_DIR") or "bench") .. "/?.lua;" .. package.path
local bench = require("common")
local unit = os.getenv("BENCH_UNIT") or ""
local tag = os.getenv("BENCH_TAG") or tostring(os.time())
local path = os.getenv("BENCH_PATH") or "/api/v1/repairs"
local threads_set_up = 0
bench_thread_no = 0        -- set in each thread's state by setup()
local counter = 0

function setup(thread)
  threads_set_up = threads_set_up + 1
  thread:set("bench_thread_no", threads_set_up)
  table.insert(bench.all_threads, thread)
end

function request()
  counter = counter + 1
  local key = string.format("%s-%d-%d", tag, bench_thread_no, counter)
  local body = string.format(
    '{"unit_id": "%s", "category": "public_area", "content": "bench %s", "location": "1栋 楼道"}',
    unit, key)
  return wrk.format("POST", path, bench.headers({["Content-Type"] = "application/json",
                                                 ["Idempotency-Key"] = key}), body)
end

function response(status, headers, body)
  bench.count_status(status)
end

delay = bench.delay
done = bench.done
