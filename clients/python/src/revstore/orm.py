"""A model layer in the spirit of an ORM: pydantic v2 models that are revstore entity types.

```python
class User(revstore.Model):
    name: str = revstore.Field(index=True)
    age: int

await User.define(db)
user = await User(name="John", age=30).save(session=s)
adults = await User.query(session=s).filter(age__gt=25, name__startswith="Jo").order_by("-age").limit(10).execute()
```
"""
from __future__ import annotations

import base64
import datetime
import types
import typing
import uuid
from typing import Any, ClassVar, Generic, Optional, TypeVar, Union

import pydantic
import pydantic_core
from pydantic import PrivateAttr

from .client import At, Revstore, Session, TurnScope, _written
from .models import Entity, TypeDefinition

M = TypeVar("M", bound="Model")
#: The model a ref field loads as (`Model.load`).
N = TypeVar("N", bound="Model")

#: Django-style lookup suffixes and the protocol operators they mean.
LOOKUPS = {"exact": "eq", "eq": "eq", "ne": "ne", "gt": "gt", "gte": "gte", "lt": "lt", "lte": "lte", "in": "in", "nin": "nin",
           "contains": "contains", "startswith": "startsWith", "exists": "exists"}


def Field(default: Any = ..., *, index: bool | str = False, ref: str | None = None, propagate: bool = False,
          **kwargs: Any) -> Any:
    """A model field; ``index=True`` (or ``"unique"``) indexes it, ``ref`` makes it a reference to
    another type (a list of references when annotated as a list), ``propagate`` versions this
    entity whenever a referenced one changes."""
    extra = {"revstore": {"index": index, "ref": ref, "propagate": propagate}}
    return pydantic.Field(default, json_schema_extra=extra, **kwargs)


def _json_type(annotation: Any) -> tuple[str, bool, Optional[dict[str, Any]]]:
    """(revstore field type, nullable, items) for a Python annotation."""
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        kind, _, items = _json_type(args[0]) if len(args) == 1 else ("any", False, None)
        return kind, True, items
    if origin in (list, tuple, set, frozenset):
        args = typing.get_args(annotation)
        element = _json_type(args[0])[0] if args else "any"
        return "array", False, {"type": element}
    if origin is dict or annotation is dict:
        return "object", False, None
    simple = {str: "string", int: "integer", float: "number", bool: "boolean", datetime.datetime: "datetime", bytes: "bytes"}
    return simple.get(annotation, "any"), False, None


class Model(pydantic.BaseModel):
    """An entity type. The class name is the type name (set ``__revstore_type__`` to change it).

    ``id`` is the entity id (made by the server when left out); ``entity`` holds the version
    metadata after a save or a read.
    """

    model_config = pydantic.ConfigDict(extra="allow", validate_assignment=True)
    __revstore_type__: ClassVar[Optional[str]] = None
    __revstore_strict__: ClassVar[bool] = False

    id: Optional[str] = pydantic.Field(default=None, exclude=True)
    _entity: Optional[Entity] = PrivateAttr(default=None)
    _session: Optional[Session] = PrivateAttr(default=None)

    @classmethod
    def type_name(cls) -> str:
        return cls.__revstore_type__ or cls.__name__

    @property
    def entity(self) -> Optional[Entity]:
        """The entity version this instance was saved as or read from."""
        return self._entity

    @classmethod
    def type_fields(cls) -> dict[str, dict[str, Any]]:
        """The protocol's field definitions for this model."""
        fields: dict[str, dict[str, Any]] = {}
        for name, info in cls.model_fields.items():
            if name == "id":
                continue
            kind, nullable, items = _json_type(info.annotation)
            options = (info.json_schema_extra or {}).get("revstore", {}) if isinstance(info.json_schema_extra, dict) else {}
            spec: dict[str, Any] = {"type": kind}
            if options.get("ref"):
                if kind == "array":
                    spec["items"] = {"type": "ref", "ref": options["ref"]}
                else:
                    spec = {"type": "ref", "ref": options["ref"]}
            elif items:
                spec["items"] = items
            if info.is_required():
                spec["required"] = True
            else:
                default = info.get_default(call_default_factory=True)
                if default is not None:  # declared, so the server fills it and queries see it
                    spec["default"] = pydantic_core.to_jsonable_python(_marked_bytes(default), fallback=_unmarked_bytes)
            if nullable:
                spec["nullable"] = True
            if options.get("index"):
                spec["index"] = "unique" if options["index"] == "unique" else True
            if options.get("propagate"):
                spec["propagate"] = True
            fields[info.alias or name] = spec
        return fields

    @classmethod
    async def define(cls, db: Revstore, *, description: str | None = None) -> TypeDefinition:
        """Declares (or compatibly redeclares) this type in the store."""
        return await db.type_define(cls.type_name(), cls.type_fields(), strict=cls.__revstore_strict__,
                                    description=description or (cls.__doc__ or "").strip() or None)

    @classmethod
    def from_entity(cls: type[M], entity: Entity, session: Session | None = None) -> M:
        instance = cls.model_validate({**entity.data, "id": entity.id})
        instance._entity = entity
        instance._session = session
        return instance

    def data(self) -> dict[str, Any]:
        """The entity data this instance writes; ``bytes`` fields stay bytes (protocol §5)."""
        return pydantic_core.to_jsonable_python(_marked_bytes(self.model_dump(by_alias=True, exclude={"id"})), fallback=_unmarked_bytes)

    async def save(self: M, session: Session | None = None, *, turn: TurnScope | None = None, branch: str | None = None,
                   actor: str | None = None, message: str | None = None, if_version: int | None = None) -> M:
        """Writes this instance as a new entity version (a one-op commit), or stages it in ``turn``;
        returns it, updated."""
        if turn is not None:
            # A staged write answers no entity, so a new instance's id is chosen here.
            self.id = self.id or str(uuid.uuid4())
            await turn.put(self.type_name(), self.data(), id=self.id, if_version=if_version)
            self._session = turn.session
            return self
        session = self._bound(session)
        entity = _written(await session.db.entity_put(session.name, self.type_name(), self.data(), id=self.id,
                                                      branch=branch or session.branch, actor=actor, message=message,
                                                      if_version=if_version))
        self.id = entity.id
        self._entity = entity
        self._session = session if branch is None else session.on_branch(branch)
        return self

    async def delete(self, *, turn: TurnScope | None = None, actor: str | None = None) -> None:
        """Deletes the entity (its history stays), or stages the delete in ``turn``."""
        if turn is not None:
            await turn.delete(self.type_name(), self._saved_id("nothing to delete"))
            return
        session = self._bound(None)
        await session.db.entity_delete(session.name, self.type_name(), self._saved_id("nothing to delete"), branch=session.branch, actor=actor)

    async def history(self: M, *, limit: int | None = None) -> list[M]:
        """Every version of this entity through its branch's ancestry, newest first."""
        session = self._bound(None)
        versions = await session.db.entity_history(session.name, self.type_name(), self._saved_id("no history"),
                                                   branch=session.branch, limit=limit)
        return [type(self).from_entity(e, session) for e in versions]

    async def load(self, field: str, model: type[N], *, at: At | None = None) -> Union[N, list[N], None]:
        """What the ref field ``field`` refers to, as ``model`` instances (a list for a list of
        refs; None for a missing one), read with this entity at the head or at ``at``."""
        session = self._bound(None)
        entity = await session.get(self.type_name(), self._saved_id("no references"), at=at, expand=[field])
        if entity is None:
            raise ValueError(f"{self.type_name()} {self.id!r} does not exist there")
        def loaded(value: Any) -> Optional[N]:
            return model.from_entity(Entity.model_validate(value), session) if value is not None else None
        value = entity.data.get(field)
        return [loaded(v) for v in value] if isinstance(value, list) else loaded(value)

    @classmethod
    async def get(cls: type[M], session: Session, id: str, *, at: At | None = None, branch: str | None = None,
                  turn: TurnScope | None = None) -> Optional[M]:
        """The entity as a model: at the head, at ``at``, on ``branch``, or as ``turn`` sees it."""
        on = session if branch is None else session.on_branch(branch)
        entity = await (turn.get(cls.type_name(), id) if turn is not None else on.get(cls.type_name(), id, at=at))
        return cls.from_entity(entity, on) if entity else None

    @classmethod
    def query(cls: type[M], session: Session, *, branch: str | None = None, at: At | None = None,
              turn: TurnScope | None = None) -> "Query[M]":
        """A query of this type: at the head, at ``at``, on ``branch``, or through ``turn``."""
        return Query(cls, session if branch is None else session.on_branch(branch), at, turn)

    def _saved_id(self, lacking: str) -> str:
        if self.id is None:
            raise ValueError(f"an unsaved model has {lacking}: save it first")
        return self.id

    def _bound(self, session: Session | None) -> Session:
        bound = session or self._session
        if bound is None:
            raise ValueError("no session: pass session= or read the model from one")
        return bound


class Query(Generic[M]):
    """A lazily built ``entity/query``: ``filter``, ``exclude``, ``order_by``, ``limit``, ``offset``."""

    def __init__(self, model: type[M], session: Session, at: At | None, turn: TurnScope | None = None):
        self._model = model
        self._session = session
        self._at = at
        self._turn = turn
        self._conditions: list[dict[str, Any]] = []
        self._order: list[str] = []
        self._limit: Optional[int] = None
        self._offset: Optional[int] = None

    def _copy(self) -> "Query[M]":
        clone = Query(self._model, self._session, self._at, self._turn)
        clone._conditions, clone._order = list(self._conditions), list(self._order)
        clone._limit, clone._offset = self._limit, self._offset
        return clone

    @staticmethod
    def lookup(name: str, value: Any) -> dict[str, Any]:
        """``age__gt=25`` → ``{"age": {"gt": 25}}``; ``address__city="Oslo"`` → ``{"address.city": "Oslo"}``."""
        parts = name.split("__")
        op = "eq"
        if len(parts) > 1 and parts[-1] in LOOKUPS:
            op = LOOKUPS[parts.pop()]
        field = ".".join(parts)
        if field == "id":
            field = "$id"
        return {field: {op: list(value) if op in ("in", "nin") else value}}

    def _checked(self, name: str, value: Any) -> dict[str, Any]:
        """A lookup on a field the model has; a typo raises here, before anything is sent."""
        top = name.split("__")[0]
        if top not in self._model.model_fields:
            raise ValueError(f"{self._model.__name__} has no field {top!r}; its fields are "
                             + ", ".join(sorted(self._model.model_fields)))
        return self.lookup(name, value)

    def filter(self, **lookups: Any) -> "Query[M]":
        clone = self._copy()
        clone._conditions += [self._checked(k, v) for k, v in lookups.items()]
        return clone

    def exclude(self, **lookups: Any) -> "Query[M]":
        clone = self._copy()
        clone._conditions.append({"$not": {"$and": [self._checked(k, v) for k, v in lookups.items()]}})
        return clone

    def where(self, condition: dict[str, Any]) -> "Query[M]":
        """Adds a raw ``where`` document, for what lookups cannot say (``$or``)."""
        clone = self._copy()
        clone._conditions.append(condition)
        return clone

    def order_by(self, *fields: str) -> "Query[M]":
        clone = self._copy()
        clone._order = [("-$id" if f == "-id" else "$id" if f == "id" else f) for f in fields]
        return clone

    def limit(self, count: int) -> "Query[M]":
        clone = self._copy()
        clone._limit = count
        return clone

    def offset(self, count: int) -> "Query[M]":
        clone = self._copy()
        clone._offset = count
        return clone

    @property
    def where_document(self) -> Optional[dict[str, Any]]:
        if not self._conditions:
            return None
        return self._conditions[0] if len(self._conditions) == 1 else {"$and": self._conditions}

    async def _run(self, *, limit: Optional[int], count: bool = False):
        return await self._session.db.entity_query(self._session.name, self._model.type_name(), where=self.where_document,
                                                   order_by=self._order or None, limit=limit, offset=self._offset, at=self._at,
                                                   branch=self._session.branch, count=count,
                                                   turn=self._turn.open_id if self._turn is not None else None)

    async def execute(self) -> list[M]:
        result = await self._run(limit=self._limit)
        return [self._model.from_entity(e, self._session) for e in result.entities]

    async def first(self) -> Optional[M]:
        result = await self._run(limit=1)
        return self._model.from_entity(result.entities[0], self._session) if result.entities else None

    async def count(self) -> int:
        result = await self._run(limit=1, count=True)
        return result.total or 0


class _Bytes:
    """Bytes that pydantic's JSON conversion must send as a bytes value, not as text."""

    __slots__ = ("value",)

    def __init__(self, value: bytes) -> None:
        self.value = value


def _marked_bytes(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return _Bytes(bytes(value))
    if isinstance(value, dict):
        return {key: _marked_bytes(element) for key, element in value.items()}
    if isinstance(value, (list, tuple)):
        return [_marked_bytes(element) for element in value]
    return value


def _unmarked_bytes(value: Any) -> Any:
    if isinstance(value, _Bytes):
        return {"$bytes": base64.b64encode(value.value).decode("ascii")}
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
