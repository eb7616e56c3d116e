from django.apps import AppConfig


class RepliesConfig(AppConfig):
    name = "replies"
    verbose_name = "复函"
    default_auto_field = "django.db.models.BigAutoField"
