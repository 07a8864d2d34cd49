"""revstore: spawn the revstore versioned-state engine and drive it over JSON-RPC on stdio.

```python
import revstore

async with await revstore.Revstore.spawn(db="state.sqlite") as db:
    s = await db.session("chat-1", create=True)
    await s.put("User", {"name": "John"}, id="u1")
```
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what __getattr__ below imports on first use, spelled out for type checkers
    from .client import At, Revstore, Session, Subscription, TurnScope
    from .errors import (
        AlreadyExistsError, BinaryNotFoundError, BusyError, CancelledError, ClientClosedError, ConflictError, InternalError,
        InvalidParamsError, InvalidRequestError, InvalidStateError, MergeConflictError, MessageTooLargeError, MethodNotFoundError,
        NotFoundError, ParseError, ReadTimeoutError, RevstoreError, SchemaConflictError, ServerExitedError, ShuttingDownError,
        StorageError, UniqueViolationError, ValidationFailedError,
    )
    from .models import (
        Branch, Change, CommitResult, CompactionReport, Difference, Entity, EntityResult, EntityWriteResult, Event, FeedPage,
        InitializeResult, MergeConflict, MergeResult, PurgeReport, QueryResult, Review, SessionInfo, SessionPage, Tag, Turn,
        TypeDefinition, VersionInfo,
    )
    from .orm import Field, Model, Query

#: Each public name by the module that defines it. A module loads when one of its names is first
#: used, so ``import revstore.langgraph``, which needs only the connection, skips the asyncio
#: client and its pydantic models.
_EXPORTS = {
    "client": ("At", "Revstore", "Session", "Subscription", "TurnScope"),
    "errors": (
        "RevstoreError", "AlreadyExistsError", "BinaryNotFoundError", "BusyError", "CancelledError", "ClientClosedError",
        "ConflictError", "InternalError", "InvalidParamsError", "InvalidRequestError", "InvalidStateError", "MergeConflictError",
        "MessageTooLargeError", "MethodNotFoundError", "NotFoundError", "ParseError", "ReadTimeoutError", "SchemaConflictError",
        "ServerExitedError", "ShuttingDownError", "StorageError", "UniqueViolationError", "ValidationFailedError",
    ),
    "models": (
        "Branch", "Change", "CommitResult", "CompactionReport", "Difference", "Entity", "EntityResult", "EntityWriteResult",
        "Event", "FeedPage", "InitializeResult", "MergeConflict", "MergeResult", "PurgeReport", "QueryResult", "Review",
        "SessionInfo", "SessionPage", "Tag", "Turn", "TypeDefinition", "VersionInfo",
    ),
    "orm": ("Field", "Model", "Query"),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = list(_MODULE_OF)
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'revstore' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
