from django.apps import AppConfig


class DatasetsConfig(AppConfig):
    name = "webapp.datasets"
    label = "datasets"

    def ready(self) -> None:
        from webapp.datasets import panels
        from webapp.jobs.registry import register_kind

        register_kind("export", "Export a dataset", panels.DATASET)
