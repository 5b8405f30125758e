from django.apps import AppConfig


class PromptsConfig(AppConfig):
    name = "webapp.prompts"
    label = "prompts"

    def ready(self) -> None:
        from webapp.jobs.registry import register_kind
        from webapp.prompts import panels
        from webapp.prompts.services import sampling_summary

        register_kind("sample", "Sample responses", panels.RESPONSES, merge=sampling_summary)
        register_kind("synthesize", "Synthesize prompts", panels.SYNTHESIZED)
