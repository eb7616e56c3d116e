from django.conf import settings
from django.contrib import admin
from django.urls import include
from django.urls import path

from config.health import HealthView
from core import account_views
from core.security import LoginView
from core.security import LogoutView

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("account/", account_views.account, name="account"),
    path("healthz", HealthView.as_view(), name="healthz"),
    path("replies/", include("replies.urls")),
    path("office/", include("offices.urls")),
    path("api/", include("api.urls")),
    path("notifications/", include("notifications.urls")),
    path("", include("portal.urls")),
    path("", include("proposals.urls")),
]

# Chinese error pages with the reason the view gave (core/views.py); used when DEBUG is off.
handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
