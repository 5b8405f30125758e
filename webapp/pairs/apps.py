from django.apps import AppConfig


class PairsConfig(AppConfig):
    name = "webapp.pairs"
    label = "review"  # the label and migrations predate the rename: pairs, reviews, agreement

    def ready(self) -> None:
        from webapp.jobs.registry import register_kind

        register_kind("import", "Import pairs")
