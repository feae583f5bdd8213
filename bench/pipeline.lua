-- 16-deep HTTP/1.1 pipelining for wrk: every write carries 16 GET requests,
-- and the next 16 go out once all 16 responses are in. wrk counts each
-- response as a request; its latency is per batch of 16.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

local depth = 16

init = function(args)
   local r = {}
   for i = 1, depth do
      r[i] = wrk.format(nil, "/")
   end
   req = table.concat(r)
end

request = function()
   return req
end
