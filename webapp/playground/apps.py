from django.apps import AppConfig


class PlaygroundConfig(AppConfig):
    name = "webapp.playground"
    label = "playground"

    def ready(self) -> None:
        from webapp.jobs.registry import Panel, register_kind

        register_kind("chat", "Playground chat", Panel("chat", "playground/_job_panel.html", lambda request, job: {},
                                                        top=True))
