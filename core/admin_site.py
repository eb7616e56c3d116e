"""The admin site in Chinese (core/app_configs.py makes it the default site)."""

from __future__ import annotations

from django.contrib import admin

SITE_HEADER = "复函系统管理后台"


class FuhanAdminSite(admin.AdminSite):
    site_header = SITE_HEADER
    site_title = SITE_HEADER
    index_title = "数据管理"
