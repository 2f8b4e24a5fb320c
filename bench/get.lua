-- GET one path with the bench token:  BENCH_PATH=/api/v1/tickets/<id> wrk -s bench/get.lua ...
package.path = (os.getenv("BENCH_DIR") or "bench") .. "/?.lua;" .. package.path
local bench = require("common")
local path = os.getenv("BENCH_PATH") or "/health"

function setup(thread)
  table.insert(bench.all_threads, thread)
end

function request()
  return wrk.format("GET", path, bench.headers())
end

function response(status, headers, body)
  bench.count_status(status)
end

delay = bench.delay
done = bench.done
