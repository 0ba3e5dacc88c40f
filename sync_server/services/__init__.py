"""Business logic of the sync server. No FastAPI here, and nothing commits: the caller owns
the transaction (the request-scoped session commits once on success)."""

from __future__ import annotations


class ServiceError(Exception):
    """A request the services refuse; the API maps each subclass to its HTTP status."""


class InvalidInput(ServiceError):
    """The input is malformed or names something impossible (HTTP 422)."""


class NotFound(ServiceError):
    """The thing asked for does not exist (HTTP 404)."""


class Conflict(ServiceError):
    """The request contradicts what is stored (HTTP 409)."""


class Forbidden(ServiceError):
    """The caller may not do this (HTTP 403)."""


class Unauthorized(ServiceError):
    """No or bad credentials (HTTP 401)."""


class TooLarge(ServiceError):
    """The request is over a size limit (HTTP 413)."""


class Busy(ServiceError):
    """A transient conflict with concurrent work; retry shortly (HTTP 503 with Retry-After)."""


__all__ = [
    "Busy",
    "Conflict",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "ServiceError",
    "TooLarge",
    "Unauthorized",
]
