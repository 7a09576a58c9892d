-- wrk script for the /track load harness (benches/load/run.sh). Configured by env:
--   TRACK_MODE    pool   : each request picks one of the bodies of TRACK_BODIES at random
--                          (existing sessions, once the warm-up created them)
--                 warmup : each thread walks TRACK_BODIES in order, so a short run sends
--                          every body (creates every session of the pool)
--                 new    : a fresh session id per request (a new session and profile)
--   TRACK_BODIES  file of one JSON body per line (modes pool and warmup)
--   TRACK_TEMPLATE one JSON body with the placeholder SESSION_ID (mode new)
--   TRACK_RUN     a tag that keeps the ids of this run apart from other runs
--   TRACK_THREADS the -t given to wrk
-- done() prints one line `RESULT key=value ...` that run.sh parses.

local mode = os.getenv("TRACK_MODE") or "pool"
local threads = tonumber(os.getenv("TRACK_THREADS") or "1")
local run_tag = os.getenv("TRACK_RUN") or "run"

wrk.method = "POST"
wrk.path = "/track"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["User-Agent"] =
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"

local next_tid = 0
function setup(thread)
    thread:set("tid", next_tid)
    next_tid = next_tid + 1
end

local requests = {}
local count = 0
local cursor = 0
local template_head, template_tail, counter = nil, nil, 0

function init(args)
    math.randomseed(os.time() * 1000 + (tid or 0) * 7919)
    if mode == "new" then
        local f = assert(io.open(assert(os.getenv("TRACK_TEMPLATE")), "r"))
        local template = f:read("*l")
        f:close()
        local at = assert(template:find("SESSION_ID", 1, true), "no SESSION_ID in template")
        template_head = template:sub(1, at - 1)
        template_tail = template:sub(at + #"SESSION_ID")
    else
        for line in io.lines(assert(os.getenv("TRACK_BODIES"))) do
            if #line > 0 then
                count = count + 1
                requests[count] = wrk.format(nil, nil, nil, line)
            end
        end
        assert(count > 0, "no bodies in TRACK_BODIES")
        cursor = tid or 0
    end
end

function request()
    if mode == "new" then
        counter = counter + 1
        local body = template_head .. run_tag .. "-t" .. tid .. "-" .. counter .. template_tail
        return wrk.format(nil, nil, nil, body)
    elseif mode == "warmup" then
        local r = requests[(cursor % count) + 1]
        cursor = cursor + threads
        return r
    else
        return requests[math.random(count)]
    end
end

function done(summary, latency, _requests)
    local e = summary.errors
    local secs = summary.duration / 1e6
    io.write(string.format(
        "RESULT requests=%d seconds=%.3f rps=%.1f ok_rps=%.1f non2xx=%d socket_errors=%d timeouts=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
        summary.requests, secs, summary.requests / secs,
        (summary.requests - e.status) / secs, e.status,
        e.connect + e.read + e.write, e.timeout,
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
