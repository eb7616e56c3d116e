from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The bottom layer: enums, errors, text checks and names that every app shares. No models."""

    name = "core"
    verbose_name = "基础"
