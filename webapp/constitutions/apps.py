from django.apps import AppConfig


class ConstitutionsConfig(AppConfig):
    name = "webapp.constitutions"
    label = "constitutions"

    def ready(self) -> None:
        from webapp.constitutions.visibility import hidden_versions
        from webapp.jobs.registry import HIDDEN_VERSIONS

        HIDDEN_VERSIONS[:] = [hidden_versions]
