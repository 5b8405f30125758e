"""Job kinds the worker knows, by name."""

from workers.kinds import sample

HANDLERS = {
    "sample_responses": sample.run,
}
