-- wrk script for tests/ops/rolling.sh: each connection waits a few
-- milliseconds between requests, so that the load is steady traffic the
-- machine carries with room to spare, and latency shows the restarts
-- rather than queueing on a saturated CPU.
function delay()
    return 5
end
