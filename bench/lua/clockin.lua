-- wrk: a clock-in rush over SMS. One connection per thread (-t C -c C), so each thread
-- alternates strictly: text IN (a pre-signed Twilio webhook), read the one-time link
-- from the TwiML answer, post the phone's location to it; then the next student.
--   wrk -t C -c C -d 20s -s clockin.lua http://127.0.0.1:PORT -- students.tsv C
-- Each line of students.tsv: "path<TAB>signature<TAB>form body<TAB>location form".
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local nthreads = tonumber(args[2])
  ins, fixes = {}, {}
  local i = 0
  for line in io.lines(args[1]) do
    if i % nthreads == id then
      local path, sig, body, fix = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      ins[#ins + 1] = wrk.format("POST", path, {
        ["Content-Type"] = "application/x-www-form-urlencoded",
        ["X-Twilio-Signature"] = sig,
      }, body)
      fixes[#fixes + 1] = fix
    end
    i = i + 1
  end
  pos, token, waiting = 0, nil, nil
  ran_out, units, bad = 0, 0, 0
end

function request()
  if token then
    local r = wrk.format("POST", "/checkin/" .. token, {
      ["Content-Type"] = "application/x-www-form-urlencoded",
    }, fixes[pos])
    token, waiting = nil, "page"
    return r
  end
  pos = pos + 1
  if pos > #ins then
    ran_out = 1
    wrk.thread:stop()
    pos = #ins
  end
  waiting = "in"
  return ins[pos]
end

function response(status, headers, body)
  if waiting == "in" then
    token = body:match("/checkin/([%w_%-]+)")
    if status ~= 200 or not token then
      bad = bad + 1
      token = nil
    end
  elseif waiting == "page" then
    if status == 200 then units = units + 1 else bad = bad + 1 end
  end
end

function done(summary, latency, requests)
  local out, u, b = 0, 0, 0
  for _, t in ipairs(threads) do
    out = out + (t:get("ran_out") or 0)
    u = u + (t:get("units") or 0)
    b = b + (t:get("bad") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, '
      .. '"status": %d, "timeout": %d, "p50": %d, "p99": %d, "max": %d, "ran_out": %d, '
      .. '"units": %d, "bad": %d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max, out, u, b))
end
