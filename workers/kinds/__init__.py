"""Job kinds the worker knows, by name."""

from workers.kinds import check, feedback, sample

HANDLERS = {
    "sample_responses": sample.run,
    "worker_check": check.run,
    "feedback": feedback.run,
}
