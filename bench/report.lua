-- Shared by the bench/*.lua wrk scripts: thread bookkeeping and one
-- machine-readable summary line that bench/run.sh parses.
--
-- Each thread keeps its own counters (wrk gives every thread its own Lua
-- state); done() collects them through thread:get().

local threads = {}

function bench_register(thread)
   thread:set("id", #threads)
   thread:set("bad", 0)
   thread:set("first_error", "")
   table.insert(threads, thread)
end

-- Per-thread (runs inside the thread's own Lua state).
bad = 0
first_error = ""

function bench_bad(status, body)
   bad = bad + 1
   if first_error == "" then
      first_error = string.format("HTTP %d %s", status, string.sub(body or "", 1, 300))
   end
end

function done(summary, latency, requests)
   local bad_total = 0
   local first = ""
   for _, t in ipairs(threads) do
      bad_total = bad_total + (tonumber(t:get("bad")) or 0)
      local e = t:get("first_error")
      if first == "" and e and e ~= "" then first = e end
   end
   local e = summary.errors
   local secs = summary.duration / 1e6
   io.write(string.format(
      "BENCH requests=%d duration_s=%.3f rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
      "http_errors=%d bad=%d connect_errors=%d read_errors=%d write_errors=%d timeouts=%d\n",
      summary.requests, secs, summary.requests / secs,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
      e.status, bad_total, e.connect, e.read, e.write, e.timeout))
   if first ~= "" then
      io.write("BENCH_FIRST_ERROR " .. string.gsub(first, "\n", " ") .. "\n")
   end
end
