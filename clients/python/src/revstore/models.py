"""Typed results: pydantic models with snake_case attributes over the protocol's camelCase JSON."""
from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class RevstoreModel(BaseModel):
    """Reads camelCase JSON into snake_case attributes; keeps fields a newer server may add.
    Each model builds its validator when first used, so importing the client stays quick."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow", defer_build=True)


class Entity(RevstoreModel):
    type: str
    id: str
    version: int
    data: dict[str, Any]
    deleted: bool = False
    created_at: str
    updated_at: str
    created_at_version: int
    updated_at_version: int
    created_by: Optional[str] = None
    updated_by: Optional[str] = None
    deleted_at: Optional[str] = None
    deleted_by: Optional[str] = None
    version_id: str
    parent_version_id: Optional[str] = None
    lineage_id: str
    branch: str


class Change(RevstoreModel):
    type: str
    id: str
    change: Literal["created", "updated", "deleted", "restored"]
    version: int
    version_id: str


class Turn(RevstoreModel):
    turn: str
    session: str
    branch: str
    base_version: int
    status: Literal["staged", "committed", "reverted"]
    message: Optional[str] = None
    metadata: dict[str, Any] = {}
    actor: Optional[str] = None
    created_at: str
    staged_ops: int
    version: Optional[int] = None


class CommitResult(RevstoreModel):
    session: str
    branch: str
    version: Optional[int]
    created: bool
    changes: list[Change] = []
    turn: Optional[Turn] = None


class EntityWriteResult(RevstoreModel):
    version: Optional[int]
    created: bool
    entity: Optional[Entity] = None
    turn: Optional[Turn] = None


class EntityResult(RevstoreModel):
    version: int
    entity: Optional[Entity] = None


class QueryResult(RevstoreModel):
    version: int
    entities: list[Entity]
    total: Optional[int] = None


class Review(RevstoreModel):
    status: Literal["draft", "submitted", "approved", "rejected"]
    submitted_at: Optional[str] = None
    submitted_by: Optional[str] = None
    reviewed_at: Optional[str] = None
    reviewed_by: Optional[str] = None
    notes: Optional[str] = None


class VersionInfo(RevstoreModel):
    session: str
    branch: str
    version: int
    created_at: str
    actor: Optional[str] = None
    message: Optional[str] = None
    metadata: dict[str, Any] = {}
    turn: Optional[str] = None
    change_count: int
    review: Review
    changes: Optional[list[Change]] = None


class Difference(RevstoreModel):
    type: str
    id: str
    change: Literal["added", "removed", "modified"]
    before: Optional[Entity] = None
    after: Optional[Entity] = None
    patch: list[dict[str, Any]]


class SessionInfo(RevstoreModel):
    session: str
    created_at: str
    metadata: dict[str, Any] = {}
    default_branch: str
    version: int


class SessionPage(RevstoreModel):
    sessions: list[SessionInfo]
    next: Optional[str] = None


class BranchBase(RevstoreModel):
    branch: str
    version: int


class Branch(RevstoreModel):
    session: str
    name: str
    head: int
    base: Optional[BranchBase] = None
    created_at: str


class MergeConflict(RevstoreModel):
    type: str
    id: str
    field: Optional[str] = None
    base: Any = None
    source: Any = None
    target: Any = None


class MergeResult(CommitResult):
    conflicts: list[MergeConflict] = []


class Tag(RevstoreModel):
    session: str
    name: str
    branch: str
    version: int
    created_at: str


class FieldSpec(RevstoreModel):
    type: str
    required: bool = False
    nullable: bool = False
    default: Any = None
    index: Any = None
    items: Optional["FieldSpec"] = None
    ref: Optional[str] = None
    propagate: bool = False


class TypeDefinition(RevstoreModel):
    name: str
    fields: dict[str, FieldSpec]
    strict: bool = False
    description: Optional[str] = None
    revision: int
    created_at: str
    updated_at: str


class CompactionReport(RevstoreModel):
    removed_versions: int
    removed_entity_versions: int
    kept_versions: int


class PurgeReport(RevstoreModel):
    removed_entities: int
    removed_entity_versions: int


class Event(RevstoreModel):
    cursor: int
    kind: str
    session: str
    branch: Optional[str] = None
    version: Optional[int] = None
    at: str
    actor: Optional[str] = None
    message: Optional[str] = None
    changes: Optional[list[Change]] = None
    detail: Optional[dict[str, Any]] = None


class FeedPage(RevstoreModel):
    events: list[Event]
    cursor: int


class ServerInfo(RevstoreModel):
    name: str
    version: str


class InitializeResult(RevstoreModel):
    protocol_version: str
    server_info: ServerInfo
    capabilities: dict[str, Any]
    store: dict[str, Any]
