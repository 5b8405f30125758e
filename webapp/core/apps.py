from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "webapp.core"
    label = "core"

    def ready(self) -> None:
        from django.urls import register_converter

        from webapp.core.converters import IdConverter

        register_converter(IdConverter, "id")  # before any URL conf is read
