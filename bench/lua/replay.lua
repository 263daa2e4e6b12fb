-- wrk: replay pre-signed requests, each once.
--   wrk -t T -c C -d 10s -s replay.lua http://127.0.0.1:PORT -- requests.tsv T
-- Each line of requests.tsv is "path<TAB>X-Twilio-Signature<TAB>form body"; thread i takes
-- lines i, i+T, i+2T, ... so no request is sent twice. A thread that runs out stops and
-- says so (the figures then cover less than the asked time).
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local nthreads = tonumber(args[2])
  reqs = {}
  local i = 0
  for line in io.lines(args[1]) do
    if i % nthreads == id then
      local path, sig, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
      reqs[#reqs + 1] = wrk.format("POST", path, {
        ["Content-Type"] = "application/x-www-form-urlencoded",
        ["X-Twilio-Signature"] = sig,
      }, body)
    end
    i = i + 1
  end
  pos = 0
  ran_out = 0
end

function request()
  pos = pos + 1
  if pos > #reqs then
    ran_out = 1
    wrk.thread:stop()
    pos = 1
  end
  return reqs[pos]
end

function done(summary, latency, requests)
  local out = 0
  for _, t in ipairs(threads) do
    out = out + (t:get("ran_out") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, '
      .. '"status": %d, "timeout": %d, "p50": %d, "p99": %d, "max": %d, "ran_out": %d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max, out))
end
