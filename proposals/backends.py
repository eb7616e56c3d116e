"""Authentication backend: the user of each request with their Staff row, office and bureau in
one query instead of three (every page reads them: menu flags, visibility, the handling body)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class StaffModelBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        model = get_user_model()
        try:
            user = model._default_manager.select_related(
                "staff", "staff__office", "staff__bureau"
            ).get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
