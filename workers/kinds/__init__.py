"""Job kinds the worker knows, by name."""

from workers.kinds import check, sample

HANDLERS = {
    "sample_responses": sample.run,
    "worker_check": check.run,
}
