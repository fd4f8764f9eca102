-- wrk script: refresh_token grant with rotation.
--
-- Every request spends a refresh token that no other request has used, and
-- every answer's new refresh token is the one a later request spends: each
-- token family is one serial chain, never two requests at once (that would be
-- reuse, which revokes the family). wrk's Lua has no per-connection hook, so
-- each thread keeps a queue of live tokens: request() takes one, response()
-- puts back the token the answer returned. A thread starts with one token per
-- connection plus one, each from its own authorization (BENCH_TOKENS, one a
-- line; thread k gets lines k+1, k+1+T, ... for T = BENCH_THREADS threads).
-- The extra one is there because wrk calls request() once on thread 0 before
-- any connection opens, to check the script, and never sends what it got.
-- (On a thread where nothing takes it, it is one more family in the rotation:
-- every family stays one serial chain.)
--   BENCH_TOKENS     file of seed refresh tokens
--   BENCH_THREADS    wrk's -t
--   BENCH_CLIENT_ID  the public client
dofile(os.getenv("BENCH_DIR") .. "/report.lua")

local function urlencode(s)
   return (string.gsub(s, "[^%w%-%._~]", function(c)
      return string.format("%%%02X", string.byte(c))
   end))
end

local seeds = {}
do
   local f = assert(io.open(os.getenv("BENCH_TOKENS"), "r"))
   for line in f:lines() do
      if line ~= "" then table.insert(seeds, line) end
   end
   f:close()
end
local nthreads = tonumber(os.getenv("BENCH_THREADS"))

function setup(thread)
   bench_register(thread)
   local id = thread:get("id")
   local mine = {}
   for i = id + 1, #seeds, nthreads do
      table.insert(mine, seeds[i])
   end
   thread:set("seed", table.concat(mine, "\n"))
end

-- Per thread from here on.
local queue = {}
local head, tail = 1, 0
local client_id = urlencode(os.getenv("BENCH_CLIENT_ID"))
exhausted = 0

function init(args)
   for tok in string.gmatch(seed or "", "[^\n]+") do
      tail = tail + 1
      queue[tail] = tok
   end
end

function request()
   local tok
   if head <= tail then
      tok = queue[head]
      queue[head] = nil
      head = head + 1
   else
      -- No live token left (an earlier answer failed): send one that must
      -- fail, so the run is reported as broken rather than silently slower.
      exhausted = exhausted + 1
      tok = "bench-no-live-refresh-token"
   end
   return wrk.format("POST", nil, {
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["Accept"] = "application/json",
   }, "grant_type=refresh_token&client_id=" .. client_id ..
      "&refresh_token=" .. urlencode(tok))
end

function response(status, headers, body)
   if status ~= 200 then
      bench_bad(status, body)
      return
   end
   local tok = string.match(body, '"refresh_token"%s*:%s*"([^"]+)"')
   if not tok then
      bench_bad(status, body)
      return
   end
   tail = tail + 1
   queue[tail] = tok
end
