-- wrk script: plain GET of the URL given to wrk (discovery, JWKS).
-- Any answer but a 2xx counts as bad (wrk itself counts only >= 400).
dofile(os.getenv("BENCH_DIR") .. "/report.lua")

wrk.method = "GET"
wrk.headers["Accept"] = "application/json"

function setup(thread)
   bench_register(thread)
end

function response(status, headers, body)
   if status < 200 or status > 299 then
      bench_bad(status, body)
   end
end
