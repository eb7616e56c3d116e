"""OpenAPI names for the one-class-per-operation style: nested serializers are named after their
API class (AssignmentListApiOutput), operations after the API class (assignment_list_api)."""

from __future__ import annotations

import re
from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as BaseAutoSchema


class AutoSchema(BaseAutoSchema):
    def _get_serializer_name(
        self, serializer: Any, direction: str, *args: Any, **kwargs: Any
    ) -> str:
        name = super()._get_serializer_name(serializer, direction, *args, **kwargs)
        cls = serializer if isinstance(serializer, type) else type(serializer)
        if "." in cls.__qualname__:
            qualified = cls.__qualname__.replace(".", "").replace("Serializer", "")
            # Keep spectacular's Request/Patched prefixes/suffixes for split components.
            return name.replace(cls.__name__.replace("Serializer", ""), qualified, 1)
        return name

    def get_operation_id(self) -> str:
        view = type(self.view).__name__
        if view.endswith("Api"):
            words = re.sub(r"(?<!^)(?=[A-Z])", "_", view[:-3]).lower()
            return f"{words}_{self.method.lower()}"
        return super().get_operation_id()


class ExpiringTokenScheme(OpenApiAuthenticationExtension):
    """The knox token authentication with Chinese refusals (core/tokens.py) in the schema."""

    target_class = "core.tokens.ExpiringTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Token <令牌>：由 POST /api/auth/token/ 获取，到期自动失效，"
            "退出登录或修改密码时注销",
        }
