"""Exceptions raised by the client, one per ``data.reason`` of the protocol's errors."""
from __future__ import annotations

from typing import Any


class RevstoreError(Exception):
    """An error answered by the server. ``code``, ``message`` and ``data`` are as sent."""

    reason: str = ""

    def __init__(self, code: int, message: str, data: dict[str, Any] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.data: dict[str, Any] = data or {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code}, message={self.message!r}, data={self.data!r})"


class ParseError(RevstoreError):
    reason = "PARSE_ERROR"


class InvalidRequestError(RevstoreError):
    reason = "INVALID_REQUEST"


class MessageTooLargeError(RevstoreError):
    reason = "TOO_LARGE"


class MethodNotFoundError(RevstoreError):
    reason = "METHOD_NOT_FOUND"


class InvalidParamsError(RevstoreError):
    """A parameter is missing or malformed; ``path`` names it (``ops.3.type``)."""

    reason = "INVALID_PARAMS"

    @property
    def path(self) -> str:
        return str(self.data.get("path", ""))


class InternalError(RevstoreError):
    reason = "INTERNAL_ERROR"


class NotFoundError(RevstoreError):
    """``kind`` says what was missing: session, branch, version, entity, turn, type, tag, …"""

    reason = "NOT_FOUND"

    @property
    def kind(self) -> str:
        return str(self.data.get("kind", ""))

    @property
    def pruned(self) -> bool:
        """True when the version was removed by compaction."""
        return bool(self.data.get("pruned", False))


class AlreadyExistsError(RevstoreError):
    reason = "ALREADY_EXISTS"


class ConflictError(RevstoreError):
    """An ``expectedVersion`` or ``ifVersion`` mismatch, or a revert over later changes."""

    reason = "CONFLICT"

    @property
    def expected(self) -> int | None:
        return self.data.get("expected")

    @property
    def actual(self) -> int | None:
        return self.data.get("actual")


class ValidationFailedError(RevstoreError):
    """Data that does not fit its declared type; ``errors`` lists every problem with its path."""

    reason = "VALIDATION_FAILED"

    @property
    def errors(self) -> list[dict[str, str]]:
        return list(self.data.get("errors", []))

    @property
    def paths(self) -> list[str]:
        return [e["path"] for e in self.errors]


class MergeConflictError(RevstoreError):
    reason = "MERGE_CONFLICT"

    @property
    def conflicts(self) -> list[dict[str, Any]]:
        return list(self.data.get("conflicts", []))


class InvalidStateError(RevstoreError):
    reason = "INVALID_STATE"


class SchemaConflictError(RevstoreError):
    reason = "SCHEMA_CONFLICT"

    @property
    def problems(self) -> list[str]:
        return list(self.data.get("problems", []))


class UniqueViolationError(RevstoreError):
    """A write that would give a ``"unique"`` field a value another live entity of the type
    holds; ``held_by`` is that entity's id."""

    reason = "UNIQUE_VIOLATION"

    @property
    def field(self) -> str | None:
        return self.data.get("field")

    @property
    def value(self) -> Any:
        return self.data.get("value")

    @property
    def held_by(self) -> str | None:
        return self.data.get("heldBy")


class BusyError(RevstoreError):
    """The store stayed locked past the busy timeout; worth retrying."""

    reason = "BUSY"


class StorageError(RevstoreError):
    reason = "STORAGE_ERROR"


class ShuttingDownError(RevstoreError):
    reason = "SHUTTING_DOWN"


class ReadTimeoutError(RevstoreError):
    """A read ran past the server's time limit (``--read-timeout``); ``seconds`` is that limit."""

    reason = "TIMEOUT"

    @property
    def seconds(self) -> float | None:
        return self.data.get("seconds")


class CancelledError(RevstoreError):
    """The request was cancelled (``$/cancelRequest``) before it finished."""

    reason = "CANCELLED"


class ServerExitedError(Exception):
    """The server process ended while calls were pending (or before a call was made)."""

    def __init__(self, returncode: int | None, stderr_tail: list[str]):
        self.returncode = returncode
        self.stderr_tail = stderr_tail
        tail = "\n  ".join(stderr_tail[-10:]) or "(nothing on stderr)"
        super().__init__(f"revstore exited with status {returncode}; last stderr lines:\n  {tail}")


class ClientClosedError(RuntimeError):
    """A call made after the client was closed."""


class BinaryNotFoundError(FileNotFoundError):
    """No revstore binary was found where the client looks."""


_BY_REASON: dict[str, type[RevstoreError]] = {
    cls.reason: cls
    for cls in (
        ParseError, InvalidRequestError, MessageTooLargeError, MethodNotFoundError, InvalidParamsError, InternalError,
        NotFoundError, AlreadyExistsError, ConflictError, ValidationFailedError, MergeConflictError, InvalidStateError,
        SchemaConflictError, UniqueViolationError, BusyError, StorageError, ShuttingDownError, ReadTimeoutError,
        CancelledError,
    )
}


def error_from_response(error: dict[str, Any]) -> RevstoreError:
    """The exception for a JSON-RPC error object, chosen by ``data.reason``."""
    data = error.get("data") if isinstance(error.get("data"), dict) else {}
    cls = _BY_REASON.get(str(data.get("reason", "")), RevstoreError)
    return cls(int(error.get("code", 0)), str(error.get("message", "")), data)
