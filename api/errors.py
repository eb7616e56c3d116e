"""Business errors from services come back as JSON with their Chinese message: AccessDenied as 403
(or 404 where the object is not visible, raised by the views themselves), other ApplicationErrors
as 400 (409 for a transition not allowed in the current state)."""

from __future__ import annotations

from typing import Any

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import AccessDenied
from core.exceptions import ApplicationError
from core.exceptions import TransitionError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, AccessDenied):
        return Response({"detail": exc.message}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, TransitionError):
        return Response({"detail": exc.message}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, ApplicationError):
        return Response({"detail": exc.message}, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)
