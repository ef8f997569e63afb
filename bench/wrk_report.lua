-- wrk script for bench/bench_web.py: sends the signed-in person's session cookie or bearer
-- token (from the environment, so no secret is on the command line) and prints one JSON line
-- with the request count and the latency percentiles, which wrk's own report rounds.
local cookie = os.getenv("BENCH_COOKIE")
if cookie and cookie ~= "" then
  wrk.headers["Cookie"] = cookie
end
local authorization = os.getenv("BENCH_AUTHORIZATION")
if authorization and authorization ~= "" then
  wrk.headers["Authorization"] = authorization
end

done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"status_errors": %d, "timeouts": %d, "connect_errors": %d, "read_errors": %d, ' ..
    '"write_errors": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"mean_us": %.1f}\n',
    summary.requests, summary.duration, summary.bytes,
    errors.status, errors.timeout, errors.connect, errors.read, errors.write,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    latency.mean))
end
