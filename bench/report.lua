-- Machine-readable summary for bench/run.sh; loaded by wrk with -s (and by
-- pipeline.lua). One line:
--   RESULT requests duration_us bytes connect_err read_err write_err
--          status_err timeout_err p50_us p99_us
--
-- Latencies are wrk's: its histogram after wrk's coordinated-omission
-- correction (stats_correct). That correction can add samples below the
-- recorded minimum (it does with pipelining, where wrk's expected interval
-- counts every pipelined response), and latency:percentile() then returns 0
-- for the high percentiles. In that case the percentile is taken over the
-- samples the histogram still shows: the largest p for which percentile(p)
-- is non-zero gives the share of the count that is visible, and p is scaled
-- by it.
local function pct(latency, p)
   local v = latency:percentile(p)
   if v > 0 then
      return v
   end
   local lo, hi = 0, 100
   for _ = 1, 40 do
      local mid = (lo + hi) / 2
      if latency:percentile(mid) > 0 then lo = mid else hi = mid end
   end
   return latency:percentile(p * lo / 100)
end

done = function(summary, latency, requests)
   local e = summary.errors
   io.write(string.format("RESULT %d %d %d %d %d %d %d %d %d %d\n",
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      pct(latency, 50), pct(latency, 99)))
end
