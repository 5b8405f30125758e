"""Job kinds the worker knows, by name."""

from workers.kinds import check, evaluate, export, feedback, sample, selfreward, synthesize, train

HANDLERS = {
    "sample_responses": sample.run,
    "worker_check": check.run,
    "feedback": feedback.run,
    "synthesize_prompts": synthesize.run,
    "export_pairs": export.run,
    "train": train.run,
    "evaluate": evaluate.run,
    "self_rewarding": selfreward.run,
}
