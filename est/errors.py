"""Domain errors that entry points map to HTTP 4xx responses or CLI messages."""

from __future__ import annotations


class DomainError(Exception):
    """A request that breaks a business rule; nothing was written."""


class ValidationError(DomainError):
    """Input is invalid; ``errors`` maps a field name to a human message."""

    def __init__(self, errors: dict[str, str] | str, field: str = "input"):
        self.errors = {field: errors} if isinstance(errors, str) else dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


class NotFound(DomainError):
    """The requested object does not exist (or is not visible to the caller)."""


class PermissionDenied(DomainError):
    """The caller's role or organisation does not allow this."""
