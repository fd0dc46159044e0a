-- wrk script for bench/http.py: replays pre-built requests, each exactly once, and counts answers by status.
--
-- The file named after `--` holds one request per line: method, path, body and headers, separated by tabs
-- ("Name: value" per header). Request i goes to thread i mod threads, so no two threads ever send the same line
-- (each carries its own nonce or Idempotency-Key). A thread that runs out of lines sends nothing more and says so.

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  local path = args[1]
  local nthreads = tonumber(args[2])
  requests = {}
  statuses = {}
  exhausted = 0
  local i = 0
  for line in io.lines(path) do
    if i % nthreads == tid then
      local fields = {}
      for field in (line .. "\t"):gmatch("([^\t]*)\t") do
        table.insert(fields, field)
      end
      local headers = {}
      for k = 4, #fields do
        local name, value = fields[k]:match("^([^:]+):%s*(.*)$")
        if name then headers[name] = value end
      end
      table.insert(requests, wrk.format(fields[1], fields[2], headers, fields[3]))
    end
    i = i + 1
  end
  cursor = 0
end

function request()
  cursor = cursor + 1
  if cursor > #requests then
    exhausted = exhausted + 1
    wrk.thread:stop()
    return requests[#requests]
  end
  return requests[cursor]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts, spent = {}, 0
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      counts[status] = (counts[status] or 0) + n
    end
    spent = spent + thread:get("exhausted")
  end
  local parts = {}
  for status, n in pairs(counts) do
    table.insert(parts, string.format('"%d": %d', status, n))
  end
  io.write(string.format(
    'BENCH_JSON {"duration_us": %d, "requests": %d, "socket_errors": %d, "timeouts": %d, "exhausted": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "statuses": {%s}}\n',
    summary.duration, summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write, summary.errors.timeout, spent,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, table.concat(parts, ", ")))
end
