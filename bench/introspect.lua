-- wrk script: RFC 7662 introspection of one valid access token by a
-- confidential client (client_secret_basic). Every answer must be 200 with
-- "active":true, else it counts as bad.
--   BENCH_TOKEN   the access token
--   BENCH_BASIC   base64(client_id:client_secret)
dofile(os.getenv("BENCH_DIR") .. "/report.lua")

local function urlencode(s)
   return (string.gsub(s, "[^%w%-%._~]", function(c)
      return string.format("%%%02X", string.byte(c))
   end))
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"
wrk.headers["Authorization"] = "Basic " .. os.getenv("BENCH_BASIC")
wrk.body = "token=" .. urlencode(os.getenv("BENCH_TOKEN")) .. "&token_type_hint=access_token"

function setup(thread)
   bench_register(thread)
end

function response(status, headers, body)
   if status ~= 200 or not string.find(body, '"active"%s*:%s*true') then
      bench_bad(status, body)
   end
end
