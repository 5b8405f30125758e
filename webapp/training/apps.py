from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "webapp.training"
    label = "training"

    def ready(self) -> None:
        from webapp.core.model_names import REGISTRIES
        from webapp.jobs.registry import register_kind
        from webapp.training import panels
        from webapp.training.evaluations import merge_shards
        from webapp.training.selectors import ModelRegistry

        register_kind("train", "Training run", panels.RUN)
        register_kind("evaluate", "Evaluation", panels.EVALUATION, merge=merge_shards)
        register_kind("self_reward", "Self-Rewarding loop", panels.LOOP)
        REGISTRIES[:] = [ModelRegistry()]
