"""The one error a use case raises for a refused request: an HTTP status, a code and a message."""

from __future__ import annotations

from typing import Any


class ServiceError(ValueError):
    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details
