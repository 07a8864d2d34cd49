"""Builds protocol/openrpc.json, the machine-readable protocol, from the compact description below.

Run `python3 scripts/build_openrpc.py` after changing a method; `--check` fails when the committed
document differs (make test runs it). Method order here is the order of protocol/README.md §6.
"""
import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "protocol" / "openrpc.json"


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema):
    return {"oneOf": [schema, {"type": "null"}]}


def obj(required, **properties):
    """An object in params: the server ignores members it does not know."""
    return {"type": "object", "required": list(required), "properties": properties}


def record(required, **properties):
    """An object the server writes: exactly these members, the required ones always."""
    return {"type": "object", "required": list(required), "properties": properties, "additionalProperties": False}


def extend(name, **properties):
    """Component `name`'s record with more members, all required."""
    base = SCHEMAS[name]
    return record(base["required"] + list(properties), **base["properties"], **properties)


STRING, INTEGER, BOOLEAN, OBJECT = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}, {"type": "object"}
TIMESTAMP = {"type": "string", "format": "date-time", "description": "RFC 3339 UTC with milliseconds"}

SCHEMAS = {
    "Empty": {"type": "object", "additionalProperties": False},
    "RequestId": {"type": ["string", "number", "null"]},
    "SessionId": {"type": "string", "minLength": 1, "maxLength": 256, "description": "No control characters."},
    "BranchName": {"type": "string", "pattern": "^[A-Za-z0-9._/-]{1,128}$"},
    "TypeName": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]{0,63}$"},
    "EntityId": {"type": "string", "minLength": 1, "maxLength": 512, "description": "No control characters."},
    "At": {"oneOf": [{"type": "integer", "minimum": 1}, {"type": "string", "description": "A tag name, or \"approved\"."}]},
    "Data": {"type": "object", "description": "An entity's data: any JSON object. Stored canonically: keys sorted, numbers in one spelling (1.0 is 1). Bytes anywhere in it are a Bytes value."},
    "Bytes": {"type": "object", "required": ["$bytes"], "additionalProperties": False,
              "properties": {"$bytes": {"type": "string", "contentEncoding": "base64", "pattern": "^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"}},
              "description": "Bytes inside entity data, in standard padded base64 spelled the one way its bytes encode to. Stored as the bytes themselves, once however many versions hold them."},
    "MergePatch": {"type": "object", "description": "RFC 7396: members merge recursively, null removes one."},
    "JSONPatch": {"type": "array", "description": "RFC 6902: operations applied in order, all or none. path \"/messages/-\" appends. A failed test is CONFLICT; a path that does not exist is -32602 with data.path naming the op (jsonPatch.N.path).",
        "items": {"type": "object", "required": ["op", "path"], "properties": {
            "op": {"enum": ["add", "remove", "replace", "move", "copy", "test"]}, "path": {"type": "string", "description": "RFC 6901 JSON pointer."},
            "from": {"type": "string"}, "value": {}}}},
    "Session": {"type": "object", "additionalProperties": False, "required": ["session", "createdAt", "metadata", "defaultBranch", "version"], "properties": {
        "session": ref("SessionId"), "createdAt": TIMESTAMP, "metadata": OBJECT, "defaultBranch": ref("BranchName"),
        "version": {"type": "integer", "description": "The head of the default branch."}}},
    "Entity": {"type": "object", "additionalProperties": False, "required": ["type", "id", "version", "data", "deleted", "createdAt", "updatedAt", "createdAtVersion",
        "updatedAtVersion", "createdBy", "updatedBy", "deletedAt", "deletedBy", "versionId", "parentVersionId", "lineageId", "branch"], "properties": {
        "type": ref("TypeName"), "id": ref("EntityId"), "version": {"type": "integer", "description": "The entity's own version."},
        "data": ref("Data"), "deleted": BOOLEAN, "createdAt": TIMESTAMP, "updatedAt": TIMESTAMP,
        "createdAtVersion": {"type": "integer", "description": "Session version."}, "updatedAtVersion": {"type": "integer", "description": "Session version."},
        "createdBy": nullable(STRING), "updatedBy": nullable(STRING), "deletedAt": nullable(TIMESTAMP), "deletedBy": nullable(STRING),
        "versionId": {"type": "string", "format": "uuid"}, "parentVersionId": nullable({"type": "string", "format": "uuid"}),
        "lineageId": {"type": "string", "format": "uuid"}, "branch": {"type": "string", "description": "Where this entity version was written."}}},
    "Change": {"type": "object", "additionalProperties": False, "required": ["type", "id", "change", "version", "versionId"], "properties": {
        "type": ref("TypeName"), "id": ref("EntityId"), "change": {"enum": ["created", "updated", "deleted", "restored"]},
        "version": INTEGER, "versionId": {"type": "string", "format": "uuid"}}},
    "Review": {"type": "object", "additionalProperties": False, "required": ["status", "submittedAt", "submittedBy", "reviewedAt", "reviewedBy", "notes"], "properties": {
        "status": {"enum": ["draft", "submitted", "approved", "rejected"]}, "submittedAt": nullable(TIMESTAMP), "submittedBy": nullable(STRING),
        "reviewedAt": nullable(TIMESTAMP), "reviewedBy": nullable(STRING), "notes": nullable(STRING)}},
    "VersionInfo": {"type": "object", "additionalProperties": False, "required": ["session", "branch", "version", "createdAt", "actor", "message", "metadata", "turn", "changeCount", "review"], "properties": {
        "session": ref("SessionId"), "branch": ref("BranchName"), "version": INTEGER, "createdAt": TIMESTAMP, "actor": nullable(STRING),
        "message": nullable(STRING), "metadata": OBJECT, "turn": nullable(STRING), "changeCount": INTEGER, "review": ref("Review")}},
    "CommitResult": {"type": "object", "additionalProperties": False, "required": ["session", "branch", "version", "created", "changes"], "properties": {
        "session": ref("SessionId"), "branch": ref("BranchName"), "version": {"type": ["integer", "null"], "description": "The new version; the unchanged head when created is false; null when staged into a turn."},
        "created": BOOLEAN, "changes": {"type": "array", "items": ref("Change")},
        "turn": {"$ref": "#/components/schemas/Turn", "description": "Present when the ops were staged into a turn."}}},
    "EntityWriteResult": {"type": "object", "additionalProperties": False, "required": ["version", "created", "entity"], "properties": {
        "version": {"type": ["integer", "null"], "description": "null when staged into a turn."}, "created": BOOLEAN,
        "entity": nullable(ref("Entity")), "turn": ref("Turn")}},
    "Op": {"type": "object", "required": ["op", "type"], "description": "put {type, id?, data, ifVersion?} · create {type, id, data}: creates the entity unless it exists, and leaves an existing one (even a tombstone) as it is · patch {type, id, patch or jsonPatch, ifVersion?} · delete {type, id, ifVersion?} · restore {type, id, data?} · fork {type, id, newId?, patch?}. ifVersion 0: must not exist yet.",
        "properties": {"op": {"enum": ["put", "create", "patch", "delete", "restore", "fork"]}, "type": ref("TypeName"), "id": ref("EntityId"),
                       "data": ref("Data"), "patch": ref("MergePatch"), "jsonPatch": ref("JSONPatch"), "ifVersion": {"type": "integer", "minimum": 0}, "newId": ref("EntityId")}},
    "Where": {"type": "object", "description": "{field: value} (equality), {field: {op: value, ...}} with ops eq ne gt gte lt lte in nin contains startsWith exists, {\"$and\": [...]}, {\"$or\": [...]}, {\"$not\": {...}}. A field is a dotted path into data or one of $id $version $createdAt $updatedAt $createdAtVersion $updatedAtVersion $createdBy $updatedBy. An object value is an operator object: an unknown operator is -32602 with data.path; compare with an object through {\"eq\": {...}}. On a strict declared type, a field it does not declare is -32602. $and, $or and $not nest at most 16 deep."},
    "Branch": {"type": "object", "additionalProperties": False, "required": ["session", "name", "head", "base", "createdAt"], "properties": {
        "session": ref("SessionId"), "name": ref("BranchName"), "head": INTEGER,
        "base": nullable(record(["branch", "version"], branch=ref("BranchName"), version=INTEGER)), "createdAt": TIMESTAMP}},
    "Tag": {"type": "object", "additionalProperties": False, "required": ["session", "name", "branch", "version", "createdAt"], "properties": {
        "session": ref("SessionId"), "name": ref("BranchName"), "branch": ref("BranchName"), "version": INTEGER, "createdAt": TIMESTAMP}},
    "Turn": {"type": "object", "additionalProperties": False, "required": ["turn", "session", "branch", "baseVersion", "status", "message", "metadata", "actor", "createdAt", "stagedOps", "version"],
        "properties": {"turn": {"type": "string", "format": "uuid"}, "session": ref("SessionId"), "branch": ref("BranchName"),
                       "baseVersion": {"type": "integer", "description": "The branch head when the turn began."},
                       "status": {"enum": ["staged", "committed", "reverted"]}, "message": nullable(STRING), "metadata": OBJECT,
                       "actor": nullable(STRING), "createdAt": TIMESTAMP, "stagedOps": INTEGER,
                       "version": {"type": ["integer", "null"], "description": "The version its commit created."}}},
    "MergeConflict": {"type": "object", "additionalProperties": False, "required": ["type", "id", "field", "base", "source", "target"], "properties": {
        "type": ref("TypeName"), "id": ref("EntityId"), "field": {"type": ["string", "null"], "description": "A top-level data field; null when one side deleted the entity and the other changed it."},
        "base": {}, "source": {}, "target": {}}},
    "Field": {"type": "object", "additionalProperties": False, "required": ["type"], "properties": {
        "type": {"enum": ["string", "integer", "number", "boolean", "object", "array", "datetime", "bytes", "ref", "any"]},
        "required": BOOLEAN, "nullable": BOOLEAN, "default": {"description": "Fills the field when a write leaves it out."},
        "index": {"oneOf": [{"type": "boolean"}, {"const": "unique"}], "description": "Scalar fields only. where and orderBy on an indexed field use an index, at any version."},
        "items": {"$ref": "#/components/schemas/Field", "description": "For arrays, each element; on a ref field, it holds a list of ids."},
        "ref": {"$ref": "#/components/schemas/TypeName", "description": "For ref fields: the referenced type."},
        "propagate": {"type": "boolean", "description": "On ref fields: a commit that changes a referenced entity gives this one a new version too."}}},
    "Type": {"type": "object", "additionalProperties": False, "required": ["name", "fields", "strict", "description", "revision", "createdAt", "updatedAt"], "properties": {
        "name": ref("TypeName"), "fields": {"type": "object", "additionalProperties": ref("Field"), "description": "Field names are 1-64 letters, digits and underscores."},
        "strict": BOOLEAN, "description": nullable(STRING), "revision": INTEGER, "createdAt": TIMESTAMP, "updatedAt": TIMESTAMP}},
    "Event": {"type": "object", "additionalProperties": False, "required": ["cursor", "kind", "session", "at"], "properties": {
        "cursor": {"type": "integer", "description": "Store-wide and increasing."},
        "kind": {"enum": ["committed", "branchCreated", "branchDeleted", "tagSet", "tagDeleted", "reviewed", "turnStaged", "sessionCreated", "sessionDeleted", "compacted", "purged"]},
        "session": ref("SessionId"), "branch": ref("BranchName"), "version": INTEGER, "at": TIMESTAMP, "actor": STRING, "message": STRING,
        "changes": {"type": "array", "items": ref("Change"), "description": "For committed: what the commit did."},
        "detail": {"type": "object", "description": "What else the kind says: tag (tagSet, tagDeleted), status (reviewed), turn and stagedOps (turnStaged), from (branchCreated), the counts (compacted), entities and the counts (purged), turn (committed by a turn)."}}},
    "Position": {"type": "object", "properties": {"branch": ref("BranchName"), "at": ref("At")}, "required": ["at"]},
    "Difference": {"type": "object", "additionalProperties": False, "required": ["type", "id", "change", "before", "after", "patch"], "properties": {
        "type": ref("TypeName"), "id": ref("EntityId"), "change": {"enum": ["added", "removed", "modified"]},
        "before": nullable(ref("Entity")), "after": nullable(ref("Entity")), "patch": {"type": "array", "items": OBJECT, "description": "RFC 6902, from before.data to after.data."}}},
    "InitializeResult": {"type": "object", "additionalProperties": False, "required": ["protocolVersion", "serverInfo", "capabilities", "store"], "properties": {
        "protocolVersion": {"const": "1"},
        "serverInfo": {"type": "object", "additionalProperties": False, "required": ["name", "version"], "properties": {"name": {"const": "revstore"}, "version": STRING}},
        "capabilities": {"type": "object", "additionalProperties": False, "required": ["methods", "batches", "cancellation", "events", "maxMessageBytes"], "properties": {
            "methods": {"type": "array", "items": STRING, "description": "Every method the server answers, sorted ($/ notifications left out)."},
            "batches": BOOLEAN, "cancellation": BOOLEAN, "events": BOOLEAN, "maxMessageBytes": {"type": "integer", "description": "Longer lines are answered TOO_LARGE."}}},
        "store": {"type": "object", "additionalProperties": False, "required": ["path", "backend"], "properties": {"path": {"type": "string", "description": "The SQLite file, or :memory:."}, "backend": {"const": "sqlite"}}}}},
}
SCHEMAS["MergeResult"] = extend("CommitResult", conflicts={"type": "array", "items": ref("MergeConflict")})

ERRORS = {
    "ParseError": (-32700, "PARSE_ERROR"), "InvalidRequest": (-32600, "INVALID_REQUEST"), "TooLarge": (-32600, "TOO_LARGE"),
    "MethodNotFound": (-32601, "METHOD_NOT_FOUND"), "InvalidParams": (-32602, "INVALID_PARAMS"), "InternalError": (-32603, "INTERNAL_ERROR"),
    "NotFound": (-32001, "NOT_FOUND"), "AlreadyExists": (-32002, "ALREADY_EXISTS"), "Conflict": (-32003, "CONFLICT"),
    "ValidationFailed": (-32004, "VALIDATION_FAILED"), "MergeConflict": (-32005, "MERGE_CONFLICT"), "InvalidState": (-32006, "INVALID_STATE"),
    "SchemaConflict": (-32007, "SCHEMA_CONFLICT"), "Busy": (-32008, "BUSY"), "StorageError": (-32009, "STORAGE_ERROR"),
    "ShuttingDown": (-32010, "SHUTTING_DOWN"), "ReadTimeout": (-32011, "TIMEOUT"), "UniqueViolation": (-32012, "UNIQUE_VIOLATION"),
    "Cancelled": (-32800, "CANCELLED"),
}

# Parameter lists: (name, schema, required).
POSITION = [("session", ref("SessionId"), True), ("branch", ref("BranchName"), False), ("at", ref("At"), False),
            ("turn", {"type": "string", "description": "Read through an open turn: its staged changes over its branch head. The version named in the result is the one its commit would create now."}, False)]
WRITE_OPTIONS = [("expectedVersion", INTEGER, False), ("actor", STRING, False), ("message", STRING, False),
                 ("turn", {"type": "string", "description": "Stage into this open turn instead of committing."}, False)]
STORE_ERRORS = ["Busy", "StorageError", "InvalidParams", "ShuttingDown"]
EXPAND = {"type": "array", "items": STRING, "description": "Ref fields whose ids are replaced by the referenced entities as of the same version (null where absent)."}


def method(name, summary, params, result, errors=(), scheduling="concurrent", notification=False):
    entry = {"name": name, "summary": summary, "x-scheduling": scheduling, "paramStructure": "by-name",
             "params": [{"name": n, "required": r, "schema": s} for n, s, r in params]}
    if notification:
        entry["x-notification"] = True
    else:
        entry["result"] = {"name": name.replace("/", "_").replace("$", "") + "_result", "schema": result}
        # Every read runs under the read time limit.
        errors = list(errors) + (["ReadTimeout"] if scheduling == "concurrent" else [])
        entry["errors"] = [{"$ref": f"#/components/errors/{e}"} for e in errors]
    return entry


ENTITY_WRITE_ERRORS = ["NotFound", "AlreadyExists", "Conflict", "InvalidState", "ValidationFailed", "UniqueViolation"] + STORE_ERRORS
METHODS = [
    method("initialize", "Optional handshake: who the server is and what it can do. Every method works without it.",
           [("clientInfo", obj([], name=STRING, version=STRING), False), ("protocolVersion", STRING, False)], ref("InitializeResult"), ["ShuttingDown"], "immediate"),
    method("ping", "Answers {} at once; touches nothing.", [], ref("Empty"), ["ShuttingDown"], "immediate"),
    method("shutdown", "Answers null; every later request fails with SHUTTING_DOWN. Follow with exit.", [], {"type": "null"}, ["ShuttingDown"], "immediate"),
    method("exit", "The process exits at once: status 0 after shutdown, 1 otherwise.", [], None, scheduling="immediate", notification=True),
    method("$/cancelRequest", "Cancels a queued or running read, which is then answered -32800 (CANCELLED); finished, unknown and write requests are left alone.",
           [("id", ref("RequestId"), True)], None, scheduling="immediate", notification=True),

    method("session/create", "A new session at version 1 on main, with no entities. Without an id the server makes a UUID.",
           [("session", ref("SessionId"), False), ("metadata", OBJECT, False)], ref("Session"), ["AlreadyExists"] + STORE_ERRORS, "ordered"),
    method("session/get", "A session, with the head of its default branch.", [("session", ref("SessionId"), True)], ref("Session"), ["NotFound"] + STORE_ERRORS),
    method("session/list", "Sessions in id order, a page at a time; pass next as after to continue.",
           [("limit", {"type": "integer", "minimum": 1, "maximum": 10000, "default": 100}, False), ("after", ref("SessionId"), False)],
           record(["sessions", "next"], sessions={"type": "array", "items": ref("Session")}, next=nullable(ref("SessionId"))), STORE_ERRORS),
    method("session/delete", "Removes a session and all its history.", [("session", ref("SessionId"), True)], record(["deleted"], deleted={"const": True}), ["NotFound"] + STORE_ERRORS, "ordered"),
    method("session/copy", "Copies a session with its whole history (every branch, version, tag, turn and entity version) under a new name, in one transaction; the copy's entity versions and turns get new ids.",
           [("session", ref("SessionId"), True), ("to", ref("SessionId"), True)], ref("Session"), ["NotFound", "AlreadyExists"] + STORE_ERRORS, "ordered"),
    method("session/checkout", "Makes a branch the session's default branch.", [("session", ref("SessionId"), True), ("branch", ref("BranchName"), True)],
           ref("Session"), ["NotFound"] + STORE_ERRORS, "ordered"),

    method("commit", "The one write primitive: all ops become one new version, or nothing happens (data.opIndex names a failing op). A commit that changes nothing creates no version unless allowEmpty.",
           [("session", ref("SessionId"), True), ("branch", ref("BranchName"), False), ("ops", {"type": "array", "items": ref("Op")}, True),
            ("expectedVersion", INTEGER, False), ("message", STRING, False), ("metadata", OBJECT, False), ("actor", STRING, False),
            ("turn", STRING, False), ("allowEmpty", BOOLEAN, False)], ref("CommitResult"), ENTITY_WRITE_ERRORS, "ordered"),
    method("entity/put", "Creates or replaces an entity (a one-op commit). Without an id the server makes a UUID.",
           [("session", ref("SessionId"), True), ("branch", ref("BranchName"), False), ("type", ref("TypeName"), True), ("id", ref("EntityId"), False),
            ("data", ref("Data"), True), ("ifVersion", {"type": "integer", "minimum": 0}, False)] + WRITE_OPTIONS, ref("EntityWriteResult"), ENTITY_WRITE_ERRORS, "ordered"),
    method("entity/patch", "Patches an existing entity (a one-op commit) with exactly one of patch (RFC 7396 merge patch) and jsonPatch (RFC 6902).",
           [("session", ref("SessionId"), True), ("branch", ref("BranchName"), False), ("type", ref("TypeName"), True), ("id", ref("EntityId"), True),
            ("patch", ref("MergePatch"), False), ("jsonPatch", ref("JSONPatch"), False), ("ifVersion", {"type": "integer", "minimum": 0}, False)] + WRITE_OPTIONS, ref("EntityWriteResult"), ENTITY_WRITE_ERRORS, "ordered"),
    method("entity/delete", "Deletes an entity, keeping its history; answers with the tombstone.",
           [("session", ref("SessionId"), True), ("branch", ref("BranchName"), False), ("type", ref("TypeName"), True), ("id", ref("EntityId"), True),
            ("ifVersion", {"type": "integer", "minimum": 0}, False)] + WRITE_OPTIONS, ref("EntityWriteResult"), ENTITY_WRITE_ERRORS, "ordered"),
    method("entity/restore", "Brings a deleted entity back, with data or the data it had when deleted.",
           [("session", ref("SessionId"), True), ("branch", ref("BranchName"), False), ("type", ref("TypeName"), True), ("id", ref("EntityId"), True),
            ("data", ref("Data"), False)] + WRITE_OPTIONS, ref("EntityWriteResult"), ENTITY_WRITE_ERRORS, "ordered"),
    method("entity/fork", "A new entity with the source's lineageId and the source's current versionId as parentVersionId; its data the source's, merge-patched.",
           [("session", ref("SessionId"), True), ("branch", ref("BranchName"), False), ("type", ref("TypeName"), True), ("id", ref("EntityId"), True),
            ("newId", ref("EntityId"), False), ("patch", ref("MergePatch"), False)] + WRITE_OPTIONS, ref("EntityWriteResult"), ENTITY_WRITE_ERRORS, "ordered"),

    method("entity/get", "One entity at a read position; entity is null when absent (or deleted, unless includeDeleted).",
           POSITION + [("type", ref("TypeName"), True), ("id", ref("EntityId"), True), ("includeDeleted", BOOLEAN, False), ("expand", EXPAND, False)],
           record(["version", "entity"], version=INTEGER, entity=nullable(ref("Entity"))), ["NotFound"] + STORE_ERRORS),
    method("entity/query", "Entities at a read position matching where, sorted by orderBy (ties by $id), paged.",
           POSITION + [("type", ref("TypeName"), False), ("where", ref("Where"), False),
                       ("orderBy", {"type": "array", "items": STRING, "description": "Fields; - prefix for descending."}, False),
                       ("limit", {"type": "integer", "minimum": 1, "maximum": 10000, "default": 100}, False), ("offset", {"type": "integer", "minimum": 0}, False),
                       ("includeDeleted", BOOLEAN, False), ("count", BOOLEAN, False), ("expand", EXPAND, False),
                       ("allBranches", {"type": "boolean", "description": "Every branch of the session at once: each entity in the version last written of it on any branch (its branch member says where). Takes no branch, at, turn or expand; version is then the default branch's head."}, False)],
           record(["version", "entities"], version=INTEGER, entities={"type": "array", "items": ref("Entity")}, total=INTEGER), ["NotFound"] + STORE_ERRORS),
    method("entity/history", "An entity's versions through the branch's ancestry, newest first; before is an entity version to page from.",
           POSITION + [("type", ref("TypeName"), True), ("id", ref("EntityId"), True), ("limit", {"type": "integer", "minimum": 1, "maximum": 10000, "default": 100}, False),
                       ("before", INTEGER, False)], record(["versions"], versions={"type": "array", "items": ref("Entity")}), ["NotFound"] + STORE_ERRORS),
    method("entity/lineage", "Every version of every entity in a lineage, on all branches, oldest first; each names its parentVersionId, so the versions form a tree.",
           POSITION + [("lineageId", STRING, False), ("type", ref("TypeName"), False), ("id", ref("EntityId"), False)],
           record(["lineageId", "versions"], lineageId={"type": "string", "format": "uuid"}, versions={"type": "array", "items": ref("Entity")}), ["NotFound"] + STORE_ERRORS),
    method("entity/version", "One exact entity version, by versionId.", [("session", ref("SessionId"), True), ("versionId", STRING, True)],
           record(["entity"], entity=ref("Entity")), ["NotFound"] + STORE_ERRORS),

    method("version/list", "Versions through the branch's ancestry, newest first.",
           [("session", ref("SessionId"), True), ("branch", ref("BranchName"), False), ("limit", {"type": "integer", "minimum": 1, "maximum": 10000, "default": 100}, False),
            ("before", INTEGER, False)], record(["versions"], versions={"type": "array", "items": ref("VersionInfo")}), ["NotFound"] + STORE_ERRORS),
    method("version/get", "One version and what it changed.", [("session", ref("SessionId"), True), ("branch", ref("BranchName"), False), ("version", INTEGER, True)],
           extend("VersionInfo", changes={"type": "array", "items": ref("Change")}), ["NotFound"] + STORE_ERRORS),
    method("version/diff", "Entity by entity, how the state at to differs from the state at from.",
           [("session", ref("SessionId"), True), ("from", ref("Position"), True), ("to", ref("Position"), True), ("type", ref("TypeName"), False)],
           record(["changes"], changes={"type": "array", "items": ref("Difference")}), ["NotFound"] + STORE_ERRORS),
    method("version/rollback", "A new version whose state equals the state at to.",
           [("session", ref("SessionId"), True), ("branch", ref("BranchName"), False), ("to", ref("At"), True), ("message", STRING, False),
            ("actor", STRING, False), ("expectedVersion", INTEGER, False)], ref("CommitResult"), ["NotFound", "Conflict", "UniqueViolation"] + STORE_ERRORS, "ordered"),
    method("version/revert", "A new version undoing one version's changes; CONFLICT when a later version changed the same entities, unless force.",
           [("session", ref("SessionId"), True), ("branch", ref("BranchName"), False), ("version", INTEGER, True), ("message", STRING, False),
            ("actor", STRING, False), ("force", BOOLEAN, False)], ref("CommitResult"), ["NotFound", "Conflict", "UniqueViolation"] + STORE_ERRORS, "ordered"),
    method("version/submit", "Review: draft → submitted.", [("session", ref("SessionId"), True), ("branch", ref("BranchName"), False), ("version", INTEGER, True),
           ("actor", STRING, False), ("notes", STRING, False)], ref("VersionInfo"), ["NotFound", "InvalidState"] + STORE_ERRORS, "ordered"),
    method("version/review", "Review: submitted → approved or rejected. at: \"approved\" reads a branch's highest approved version.",
           [("session", ref("SessionId"), True), ("branch", ref("BranchName"), False), ("version", INTEGER, True),
            ("decision", {"enum": ["approved", "rejected"]}, True), ("actor", STRING, False), ("notes", STRING, False)],
           ref("VersionInfo"), ["NotFound", "InvalidState"] + STORE_ERRORS, "ordered"),

    method("branch/create", "A new branch sharing from's history up to its version (default: the default branch's head); it numbers its own commits from there. Costs the same whatever the session's size.",
           [("session", ref("SessionId"), True), ("name", ref("BranchName"), True), ("from", obj([], branch=ref("BranchName"), at=ref("At")), False)],
           ref("Branch"), ["NotFound", "AlreadyExists"] + STORE_ERRORS, "ordered"),
    method("branch/get", "One branch.", [("session", ref("SessionId"), True), ("name", ref("BranchName"), True)], ref("Branch"), ["NotFound"] + STORE_ERRORS),
    method("branch/list", "A session's branches, by name.", [("session", ref("SessionId"), True)],
           record(["branches"], branches={"type": "array", "items": ref("Branch")}), ["NotFound"] + STORE_ERRORS),
    method("branch/delete", "Removes a branch and what was written on it. main, and branches that others were created from, cannot be deleted (INVALID_STATE).",
           [("session", ref("SessionId"), True), ("name", ref("BranchName"), True)], record(["deleted"], deleted={"const": True}), ["NotFound", "InvalidState"] + STORE_ERRORS, "ordered"),
    method("branch/merge", "A three-way merge of source into target (default: the default branch) against their common ancestor (or the last merge of the two), per entity and per top-level field. With onConflict fail (default) any conflict fails with MERGE_CONFLICT and nothing changes.",
           [("session", ref("SessionId"), True), ("source", ref("BranchName"), True), ("target", ref("BranchName"), False), ("message", STRING, False),
            ("actor", STRING, False), ("onConflict", {"enum": ["fail", "source", "target"], "default": "fail"}, False)],
           ref("MergeResult"), ["NotFound", "MergeConflict", "InvalidState", "UniqueViolation"] + STORE_ERRORS, "ordered"),

    method("turn/begin", "Opens a turn on a branch (default: the default branch). Writes with turn stage into it; reads with turn see its staged changes. Staged turns survive a restart.",
           [("session", ref("SessionId"), True), ("branch", ref("BranchName"), False), ("message", STRING, False), ("metadata", OBJECT, False), ("actor", STRING, False)],
           ref("Turn"), ["NotFound"] + STORE_ERRORS, "ordered"),
    method("turn/get", "One turn.", [("turn", STRING, True)], ref("Turn"), ["NotFound"] + STORE_ERRORS),
    method("turn/list", "A session's turns, oldest first.", [("session", ref("SessionId"), True), ("status", {"enum": ["staged", "committed", "reverted"]}, False)],
           record(["turns"], turns={"type": "array", "items": ref("Turn")}), ["NotFound"] + STORE_ERRORS),
    method("turn/commit", "The staged ops become one version on the branch's current head, with the turn's message and metadata (these params override them); ifVersion is checked now.",
           [("turn", STRING, True), ("message", STRING, False), ("metadata", OBJECT, False), ("expectedVersion", INTEGER, False)],
           ref("CommitResult"), ENTITY_WRITE_ERRORS, "ordered"),
    method("turn/abort", "Discards a turn; nothing it staged is applied.", [("turn", STRING, True)], ref("Turn"), ["NotFound", "InvalidState"] + STORE_ERRORS, "ordered"),

    method("tag/set", "Names a (branch, version); an existing tag of that name moves. approved is reserved.",
           [("session", ref("SessionId"), True), ("name", ref("BranchName"), True), ("branch", ref("BranchName"), False), ("at", ref("At"), True)],
           ref("Tag"), ["NotFound"] + STORE_ERRORS, "ordered"),
    method("tag/list", "A session's tags, by name.", [("session", ref("SessionId"), True)], record(["tags"], tags={"type": "array", "items": ref("Tag")}), ["NotFound"] + STORE_ERRORS),
    method("tag/delete", "Removes a tag.", [("session", ref("SessionId"), True), ("name", ref("BranchName"), True)],
           record(["deleted"], deleted={"const": True}), ["NotFound"] + STORE_ERRORS, "ordered"),

    method("type/define", "Declares a type (store-wide): writes to it are validated (VALIDATION_FAILED lists every problem with its JSON path), defaults fill missing fields, strict rejects undeclared fields. A redefinition may only add optional fields, add or drop indexes and relax rules; anything else is SCHEMA_CONFLICT listing why.",
           [("name", ref("TypeName"), True), ("fields", {"type": "object", "additionalProperties": ref("Field")}, True), ("strict", BOOLEAN, False),
            ("description", STRING, False)], ref("Type"), ["SchemaConflict"] + STORE_ERRORS, "ordered"),
    method("type/get", "One declared type.", [("name", ref("TypeName"), True)], ref("Type"), ["NotFound"] + STORE_ERRORS),
    method("type/list", "Every declared type, by name.", [], record(["types"], types={"type": "array", "items": ref("Type")}), STORE_ERRORS),

    method("subscribe", "Change events as subscription/event notifications, filtered by session, branch, entity types and ids, and kinds. With since, events after that cursor are replayed from the durable feed first, then live ones follow, with no gap and no duplicate; without, only events after this request. Events start after the response. Commits by other processes on the same file are delivered too.",
           [("session", ref("SessionId"), False), ("branch", ref("BranchName"), False), ("types", {"type": "array", "items": ref("TypeName")}, False),
            ("ids", {"type": "array", "items": ref("EntityId")}, False), ("kinds", {"type": "array", "items": {"$ref": "#/components/schemas/Event/properties/kind"}}, False),
            ("since", {"type": "integer", "minimum": 0}, False)],
           record(["subscription", "cursor"], subscription=STRING, cursor={"type": "integer", "description": "Events after this cursor will be sent."}), STORE_ERRORS, "ordered"),
    method("unsubscribe", "Stops a subscription.", [("subscription", STRING, True)], ref("Empty"), ["NotFound", "InvalidParams"], "immediate"),
    method("feed/read", "Pages through the durable event feed, oldest first; pass the returned cursor as since next time. Without since it starts at the beginning.",
           [("session", ref("SessionId"), False), ("since", {"type": "integer", "minimum": 0}, False), ("limit", {"type": "integer", "minimum": 1, "maximum": 10000, "default": 100}, False)],
           record(["events", "cursor"], events={"type": "array", "items": ref("Event")}, cursor=INTEGER), STORE_ERRORS),

    method("entity/purge", "Removes every version of the given entities from every branch, for good: history, reads at old versions and lineage no longer show them, and their bytes are overwritten in the file. Entities that do not exist are skipped. Appends a purged event.",
           [("session", ref("SessionId"), True), ("entities", {"type": "array", "items": obj(["type", "id"], type=ref("TypeName"), id=ref("EntityId"))}, True)],
           record(["removedEntities", "removedEntityVersions"], removedEntities=INTEGER, removedEntityVersions=INTEGER), ["NotFound"] + STORE_ERRORS, "ordered"),
    method("session/compact", "Removes versions that are neither within keepLast (per branch) or keepSince nor listed in keep nor protected (branch heads, fork points, tagged and latest approved versions, bases of open turns), and every entity version no retained version reads. Removed versions answer NOT_FOUND with data.pruned = true.",
           [("session", ref("SessionId"), True), ("keepLast", {"type": "integer", "minimum": 1}, False), ("keepSince", TIMESTAMP, False),
            ("keep", {"type": "array", "items": obj(["at"], branch=ref("BranchName"), at={"type": "integer", "minimum": 1}), "description": "Versions to keep besides: at on branch (default: the default branch). One of keepLast, keepSince and keep must be given."}, False),
            ("dryRun", BOOLEAN, False)],
           record(["removedVersions", "removedEntityVersions", "keptVersions"], removedVersions=INTEGER, removedEntityVersions=INTEGER, keptVersions=INTEGER),
           ["NotFound"] + STORE_ERRORS, "ordered"),
    method("store/stats", "Counts of what the store holds, and its size.", [],
           record(["sessions", "branches", "versions", "prunedVersions", "entities", "entityVersions", "tags", "turns", "openTurns", "keyframes", "deltas", "blobs", "events", "bytes"],
               sessions=INTEGER, branches=INTEGER, versions=INTEGER, prunedVersions=INTEGER, entities=INTEGER, entityVersions=INTEGER,
               tags=INTEGER, turns=INTEGER, openTurns=INTEGER,
               keyframes={"type": "integer", "description": "Entity versions stored whole."},
               deltas={"type": "integer", "description": "Entity versions stored as a JSON Patch from the one before."},
               blobs={"type": "integer", "description": "Distinct byte strings held by bytes values, each stored once."},
               events=INTEGER,
               bytes=record(["file", "free", "wal", "tables"], file=INTEGER, free=INTEGER, wal=INTEGER,
                         tables={"type": "object", "additionalProperties": INTEGER, "description": "Bytes of each table with its indexes."})), STORE_ERRORS),
    method("store/vacuum", "Rebuilds the file without its free pages and truncates the WAL.", [],
           record(["bytesBefore", "bytesAfter"], bytesBefore=INTEGER, bytesAfter=INTEGER), STORE_ERRORS, "ordered"),
]


def document():
    return {
        "openrpc": "1.3.2",
        "info": {"title": "Revstore protocol", "version": "1", "description": (
            "Line-delimited JSON-RPC 2.0 over stdin/stdout between a host program and the revstore process. Params are always by name. "
            "Methods marked \"x-notification\": true are notifications (no id, never answered) and have no result. \"x-scheduling\" says how the "
            "server runs a method: immediate (on arrival), ordered (writes, applied in arrival order) or concurrent (reads, after every write "
            "received before them; cancellable). Every error's data has a stable reason string. See README.md beside this file.")},
        "methods": METHODS,
        "x-notifications": [{
            "name": "subscription/event", "summary": "Sent by the server: one change event for one subscription. Every event a request causes is written before that request's response.",
            "params": [{"name": "subscription", "required": True, "schema": STRING}, {"name": "event", "required": True, "schema": ref("Event")}]}],
        "components": {
            "schemas": SCHEMAS,
            "errors": {name: {"code": code, "message": reason.replace("_", " ").capitalize(), "data": {"reason": reason}} for name, (code, reason) in ERRORS.items()},
        },
    }


if __name__ == "__main__":
    text = json.dumps(document(), indent=2) + "\n"
    if "--check" in sys.argv:
        if OUT.read_text() != text:
            sys.exit("protocol/openrpc.json is out of date: run python3 scripts/build_openrpc.py")
        print("protocol/openrpc.json matches scripts/build_openrpc.py")
    else:
        OUT.write_text(text)
