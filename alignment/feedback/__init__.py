"""AI feedback under a constitution: RL-CAI and SALMON pairwise judging, Self-Rewarding
pointwise judging, and SL-CAI critique/revision."""
