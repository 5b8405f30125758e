from django.apps import AppConfig


class PromptsConfig(AppConfig):
    name = "webapp.prompts"
    label = "prompts"

    def ready(self) -> None:
        from webapp.jobs.registry import register_kind
        from webapp.prompts import panels

        register_kind("sample", "Sample responses", panels.RESPONSES)
        register_kind("synthesize", "Synthesize prompts", panels.SYNTHESIZED)
