"""Exceptions that carry a Gong error status and message through the sandbox.

The ground-truth methods of :class:`~dlt_gong.sandbox.company.Company` raise these for
inputs Gong rejects, so the HTTP layer and direct callers see the same rule applied once.
"""

from __future__ import annotations


class GongError(Exception):
    """An error Gong answers with ``{"requestId", "errors": [message]}`` and ``status``."""

    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequestError(GongError):
    """400: the request is malformed or asks for something Gong refuses."""

    status = 400


class NotFoundError(GongError):
    """404: an unknown entity, or an empty result (Gong reports those as 404 too)."""

    status = 404


class UnsupportedMediaTypeError(GongError):
    """415: a POST whose body is not JSON."""

    status = 415
