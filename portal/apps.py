from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The proposers' own page (personal link or account) and the public replies page."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "portal"
    verbose_name = "代表委员与公开答复"
