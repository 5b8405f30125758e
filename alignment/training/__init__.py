"""Training on TRL: SFT, reward models (instructable too), DPO, GRPO and RLOO."""
