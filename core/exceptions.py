class ApplicationError(Exception):
    """A business rule refused the request; the message is shown to the user as is (Chinese)."""

    def __init__(self, message: str, *, extra: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class TransitionError(ApplicationError):
    """The transition is not allowed from the current state, by this user, or now."""


class AccessDenied(ApplicationError):  # noqa: N818
    """The user may not see or touch this object."""


class BatchRefused(ApplicationError):  # noqa: N818
    """A batch operation refused as a whole: nothing was written. `refused` maps each item that
    held it back (by id) to the reason."""

    def __init__(self, message: str, *, refused: dict[int, str]) -> None:
        super().__init__(message, extra={"refused": refused})
        self.refused = refused
