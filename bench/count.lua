-- For the counts of the servers that cannot stop themselves after N
-- requests (nginx, h2o): wrk -t1 -c1 ... -s bench/count.lua URL N [close|pipe16]
-- exits after N responses, printing "COUNT N" (wrk itself would wait for the
-- end of its -d duration). With pipe16 every write carries 16 requests, the
-- next 16 going out once all 16 are answered (as bench/pipeline.lua); with
-- close each request asks for Connection: close.
local n, left = 0, 0

init = function(args)
   left = tonumber(args[1])
   local kind = args[2] or ""
   if kind == "close" then
      wrk.headers["Connection"] = "close"
   end
   local depth = kind == "pipe16" and 16 or 1
   local r = {}
   for i = 1, depth do
      r[i] = wrk.format(nil, "/")
   end
   req = table.concat(r)
end

request = function()
   return req
end

response = function(status, headers, body)
   n = n + 1
   if n >= left then
      io.write(string.format("COUNT %d\n", n))
      io.flush()
      os.exit(0)
   end
end
