from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "webapp.feedback"
    label = "feedback"

    def ready(self) -> None:
        from webapp.feedback import panels
        from webapp.jobs.registry import register_kind

        register_kind("feedback", "Feedback run", panels.SUMMARY, panels.PAIRS)
