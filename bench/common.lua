-- Shared by the bench scripts (loaded with dofile): environment settings, a fixed-rate
-- schedule and the machine-readable summary line the harness parses (bench/wrk.py).
--   BENCH_TOKEN   bearer token sent as Authorization
--   BENCH_RATE    requests per second for the whole run (0 or unset: closed loop, as fast as it goes)
--   BENCH_THREADS wrk's -t (the rate is shared between the threads)
local M = {}

M.token = os.getenv("BENCH_TOKEN") or ""
local rate = tonumber(os.getenv("BENCH_RATE") or "0") or 0
local threads = tonumber(os.getenv("BENCH_THREADS") or "1") or 1

function M.headers(extra)
  local h = {["Accept"] = "application/json"}
  if M.token ~= "" then h["Authorization"] = "Bearer " .. M.token end
  for k, v in pairs(extra or {}) do h[k] = v end
  return h
end

-- fixed rate: every thread keeps its own schedule of rate/threads requests per second and
-- each request waits for its slot (wrk calls delay() before every request)
local ffi = require("ffi")
ffi.cdef[[
  typedef struct { long tv_sec; long tv_usec; } bench_timeval;
  int gettimeofday(bench_timeval *tv, void *tz);
]]
local tv = ffi.new("bench_timeval")
local function now_ms()
  ffi.C.gettimeofday(tv, nil)
  return tonumber(tv.tv_sec) * 1000 + tonumber(tv.tv_usec) / 1000
end

if rate > 0 then
  local interval = 1000 * threads / rate
  local next_at = nil
  function M.delay()
    local now = now_ms()
    if next_at == nil then next_at = now end
    local wait = next_at - now
    next_at = next_at + interval
    if wait < 0 then return 0 end
    return math.floor(wait)
  end
end

-- per-thread counts of response statuses (a global of the thread's state, which done()
-- reads from the main state with thread:get)
bench_statuses = {}
M.all_threads = {}

function M.count_status(status)
  bench_statuses[status] = (bench_statuses[status] or 0) + 1
end

function M.done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(M.all_threads) do
    for s, n in pairs(thread:get("bench_statuses") or {}) do
      counts[tostring(s)] = (counts[tostring(s)] or 0) + n
    end
  end
  local parts = {}
  for s, n in pairs(counts) do parts[#parts + 1] = string.format('"%s": %d', s, n) end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p95": %d, "p99": %d, "mean": %.1f, "max": %d}, ' ..
    '"statuses": {%s}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
    latency.mean, latency.max, table.concat(parts, ", ")))
end

return M
