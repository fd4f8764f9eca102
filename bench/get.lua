-- wrk script: plain GET of the URL given to wrk (discovery, JWKS).
-- No response() hook, so wrk does not buffer bodies; HTTP errors (>= 400)
-- still count in the summary.
dofile(os.getenv("BENCH_DIR") .. "/report.lua")

wrk.method = "GET"
wrk.headers["Accept"] = "application/json"

function setup(thread)
   bench_register(thread)
end
