"""revstore: spawn the revstore versioned-state engine and drive it over JSON-RPC on stdio.

```python
import revstore

async with await revstore.Revstore.spawn(db="state.sqlite") as db:
    s = await db.session("chat-1", create=True)
    await s.put("User", {"name": "John"}, id="u1")
```
"""
from .client import At, Revstore, Session, Subscription, TurnScope
from .errors import (
    AlreadyExistsError, BinaryNotFoundError, BusyError, CancelledError, ClientClosedError, ConflictError, InternalError, InvalidParamsError,
    InvalidRequestError, InvalidStateError, MergeConflictError, MessageTooLargeError, MethodNotFoundError, NotFoundError,
    ParseError, ReadTimeoutError, RevstoreError, SchemaConflictError, ServerExitedError, ShuttingDownError, StorageError, ValidationFailedError,
)
from .models import (
    Branch, Change, CommitResult, CompactionReport, Difference, PurgeReport, Entity, EntityResult, EntityWriteResult, Event, FeedPage,
    InitializeResult, MergeConflict, MergeResult, QueryResult, Review, SessionInfo, SessionPage, Tag, Turn, TypeDefinition,
    VersionInfo,
)
from .orm import Field, Model, Query

__all__ = [
    "At", "Revstore", "Session", "Subscription", "TurnScope", "Field", "Model", "Query",
    "RevstoreError", "AlreadyExistsError", "BinaryNotFoundError", "BusyError", "CancelledError", "ClientClosedError", "ConflictError",
    "InternalError", "InvalidParamsError", "InvalidRequestError", "InvalidStateError", "MergeConflictError",
    "MessageTooLargeError", "MethodNotFoundError", "NotFoundError", "ParseError", "SchemaConflictError",
    "ReadTimeoutError", "ServerExitedError", "ShuttingDownError", "StorageError", "ValidationFailedError",
    "Branch", "Change", "CommitResult", "CompactionReport", "Difference", "PurgeReport", "Entity", "EntityResult", "EntityWriteResult",
    "Event", "FeedPage", "InitializeResult", "MergeConflict", "MergeResult", "QueryResult", "Review", "SessionInfo",
    "SessionPage", "Tag", "Turn", "TypeDefinition", "VersionInfo",
]
__version__ = "0.1.0"
