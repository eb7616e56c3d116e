"""Django's four password validators with Chinese messages, whatever language the browser asks
for (LocaleMiddleware would otherwise answer an English browser in English), and the hook that
revokes a user's API tokens when the password changes."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import password_validation as django_validators
from django.core.exceptions import ValidationError


class MinimumLengthValidator(django_validators.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return f"密码太短，至少需要 {self.min_length} 个字符。"

    def get_help_text(self) -> str:
        return f"密码至少需要 {self.min_length} 个字符。"


class UserAttributeSimilarityValidator(django_validators.UserAttributeSimilarityValidator):
    def validate(self, password: str, user: Any = None) -> None:
        try:
            super().validate(password, user)
        except ValidationError as exc:
            raise ValidationError(self.get_error_message(), code="password_too_similar") from exc

    def get_error_message(self) -> str:
        return "密码与您的用户名、姓名或电子邮箱太相似。"

    def get_help_text(self) -> str:
        return "密码不能与您的用户名、姓名或电子邮箱相似。"


class CommonPasswordValidator(django_validators.CommonPasswordValidator):
    def get_error_message(self) -> str:
        return "这个密码太常见，容易被猜中，请换一个。"

    def get_help_text(self) -> str:
        return "密码不能是常用密码。"


class NumericPasswordValidator(django_validators.NumericPasswordValidator):
    def get_error_message(self) -> str:
        return "密码不能全部是数字。"

    def get_help_text(self) -> str:
        return "密码不能全部是数字。"


class RevokeApiTokensOnPasswordChange:
    """Not a rule: Django calls password_changed() of every configured validator when a user's
    new password is saved (User.save after set_password: the password page, the admin,
    `changepassword`), and never for a mere rehash at login. A token obtained with the old
    password must not outlive it."""

    def validate(self, password: str, user: Any = None) -> None:
        return None

    def password_changed(self, password: str, user: Any = None) -> None:
        if user is not None and user.pk:
            from core.tokens import api_tokens_revoke_all

            api_tokens_revoke_all(user=user)

    def get_help_text(self) -> str:
        return ""
