from django.apps import AppConfig


class ConstitutionsConfig(AppConfig):
    name = "webapp.constitutions"
    label = "constitutions"
