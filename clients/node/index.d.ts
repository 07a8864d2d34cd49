// Types for revstore's Node client. The protocol is described in protocol/openrpc.json.

/** A version number, a tag name, or "approved". */
export type At = number | string;
/** A value of entity data; bytes (`{"$bytes": …}` on the wire) read back as a Buffer, a Uint8Array. */
export type Json = null | boolean | number | string | Uint8Array | Json[] | { [key: string]: Json };
export type Data = { [key: string]: Json };
/** What a write takes as data or a merge patch: any object type, interfaces included. */
export type DataInput = object;
/** What `signal` options take: an `AbortSignal` (declared here, so no DOM types are needed). */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** An entity; `T` types its data (`s.get<Note>('Note', 'n1')`). */
export interface Entity<T extends object = Data> {
  type: string; id: string; version: number; data: T; deleted: boolean;
  createdAt: string; updatedAt: string; createdAtVersion: number; updatedAtVersion: number;
  createdBy: string | null; updatedBy: string | null; deletedAt: string | null; deletedBy: string | null;
  versionId: string; parentVersionId: string | null; lineageId: string; branch: string;
}
export interface Change { type: string; id: string; change: 'created' | 'updated' | 'deleted' | 'restored'; version: number; versionId: string }
export interface Turn {
  turn: string; session: string; branch: string; baseVersion: number; status: 'staged' | 'committed' | 'reverted';
  message: string | null; metadata: Data; actor: string | null; createdAt: string; stagedOps: number; version: number | null;
}
export interface CommitResult { session: string; branch: string; version: number | null; created: boolean; changes: Change[]; turn?: Turn }
export interface EntityWriteResult { version: number | null; created: boolean; entity: Entity | null; turn?: Turn }
export interface EntityResult { version: number; entity: Entity | null }
export interface QueryResult { version: number; entities: Entity[]; total?: number }
export interface Review {
  status: 'draft' | 'submitted' | 'approved' | 'rejected'; submittedAt: string | null; submittedBy: string | null;
  reviewedAt: string | null; reviewedBy: string | null; notes: string | null;
}
export interface VersionInfo {
  session: string; branch: string; version: number; createdAt: string; actor: string | null; message: string | null;
  metadata: Data; turn: string | null; changeCount: number; review: Review;
}
/** One RFC 6902 operation; `path: "/list/-"` appends. */
export type JSONPatchOperation =
  | { op: 'add' | 'replace' | 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; from: string; path: string };
export interface Difference { type: string; id: string; change: 'added' | 'removed' | 'modified'; before: Entity | null; after: Entity | null; patch: Data[] }
export interface SessionInfo { session: string; createdAt: string; metadata: Data; defaultBranch: string; version: number }
export interface Branch { session: string; name: string; head: number; base: { branch: string; version: number } | null; createdAt: string }
export interface MergeConflict { type: string; id: string; field: string | null; base: Json; source: Json; target: Json }
export interface MergeResult extends CommitResult { conflicts: MergeConflict[] }
export interface Tag { session: string; name: string; branch: string; version: number; createdAt: string }
export interface FieldSpec {
  type: 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array' | 'datetime' | 'bytes' | 'ref' | 'any';
  required?: boolean; nullable?: boolean; default?: Json; index?: boolean | 'unique'; items?: FieldSpec; ref?: string; propagate?: boolean;
}
export interface TypeDefinition {
  name: string; fields: { [field: string]: FieldSpec }; strict: boolean; description: string | null; revision: number;
  createdAt: string; updatedAt: string;
}
export interface Event {
  cursor: number; kind: 'committed' | 'branchCreated' | 'branchDeleted' | 'tagSet' | 'tagDeleted' | 'reviewed' | 'turnStaged'
    | 'sessionCreated' | 'sessionDeleted' | 'compacted' | 'purged';
  session: string; branch?: string; version?: number; at: string; actor?: string; message?: string; changes?: Change[]; detail?: Data;
}
export interface StoreStats {
  sessions: number; branches: number; versions: number; prunedVersions: number; entities: number; entityVersions: number;
  tags: number; turns: number; openTurns: number;
  /** Entity versions stored whole, and as a patch from the one before. */
  keyframes: number; deltas: number;
  /** Distinct byte strings held by bytes values. */
  blobs: number; events: number;
  bytes: { file: number; free: number; wal: number; tables: { [table: string]: number } };
}
export interface InitializeResult {
  protocolVersion: string; serverInfo: { name: string; version: string };
  capabilities: { methods: string[]; batches: boolean; cancellation: boolean; events: boolean; maxMessageBytes: number };
  store: { path: string; backend: 'sqlite' };
}

export type Op =
  | { op: 'put'; type: string; id?: string; data: DataInput; ifVersion?: number }
  /** Creates the entity unless it exists; an existing one (even a tombstone) is left as it is. */
  | { op: 'create'; type: string; id: string; data: DataInput }
  | { op: 'patch'; type: string; id: string; patch: DataInput; ifVersion?: number }
  | { op: 'patch'; type: string; id: string; jsonPatch: JSONPatchOperation[]; ifVersion?: number }
  | { op: 'delete'; type: string; id: string; ifVersion?: number }
  | { op: 'restore'; type: string; id: string; data?: DataInput }
  | { op: 'fork'; type: string; id: string; newId?: string; patch?: DataInput };

/** Where a read looks. */
export interface Position { session: string; branch?: string; at?: At; turn?: string }
export interface WriteOptions { branch?: string; expectedVersion?: number; actor?: string; message?: string; turn?: string }
export interface CallOptions { signal?: AbortSignalLike }
export interface PageOptions extends CallOptions { pageSize?: number }
export interface QueryParams {
  type?: string; where?: Data; orderBy?: string[]; limit?: number; offset?: number;
  includeDeleted?: boolean; count?: boolean; expand?: string[];
  /** Every branch at once: each entity in the version last written of it on any branch; takes no branch, at, turn or expand. */
  allBranches?: boolean;
}

export interface SpawnOptions {
  db?: string; memory?: boolean; shared?: boolean; binary?: string; args?: string[]; durability?: 'full' | 'normal';
  env?: Record<string, string>; closeTimeout?: number; onStderr?: (line: string) => void;
}

export class Revstore {
  static spawn(options?: SpawnOptions): Promise<Revstore>;
  readonly pid: number | undefined;
  close(): Promise<number | null>;
  call<T = any>(method: string, params?: object, options?: CallOptions): Promise<T>;

  initialize(clientInfo?: { name?: string; version?: string }): Promise<InitializeResult>;
  ping(options?: CallOptions): Promise<{}>;
  shutdown(): Promise<null>;
  exit(): Promise<void>;

  sessionCreate(params?: { session?: string; metadata?: Data }): Promise<SessionInfo>;
  sessionGet(params: { session: string }, options?: CallOptions): Promise<SessionInfo>;
  sessionList(params?: { limit?: number; after?: string }, options?: CallOptions): Promise<{ sessions: SessionInfo[]; next: string | null }>;
  sessionDelete(params: { session: string }): Promise<{ deleted: true }>;
  sessionCheckout(params: { session: string; branch: string }): Promise<SessionInfo>;
  sessionCopy(params: { session: string; to: string }): Promise<SessionInfo>;
  sessionCompact(params: { session: string; keepLast?: number; keepSince?: string; keep?: { branch?: string; at: number }[]; dryRun?: boolean }): Promise<{ removedVersions: number; removedEntityVersions: number; keptVersions: number }>;
  entityPurge(params: { session: string; entities: { type: string; id: string }[] }): Promise<{ removedEntities: number; removedEntityVersions: number }>;
  session(name?: string, options?: { create?: boolean; metadata?: Data; branch?: string }): Promise<Session>;

  commit(params: { session: string; ops: Op[]; allowEmpty?: boolean; metadata?: Data } & WriteOptions): Promise<CommitResult>;
  entityPut(params: { session: string; type: string; id?: string; data: DataInput; ifVersion?: number } & WriteOptions): Promise<EntityWriteResult>;
  entityPatch(params: { session: string; type: string; id: string; ifVersion?: number } & ({ patch: DataInput } | { jsonPatch: JSONPatchOperation[] }) & WriteOptions): Promise<EntityWriteResult>;
  entityDelete(params: { session: string; type: string; id: string; ifVersion?: number } & WriteOptions): Promise<EntityWriteResult>;
  entityRestore(params: { session: string; type: string; id: string; data?: DataInput } & WriteOptions): Promise<EntityWriteResult>;
  entityFork(params: { session: string; type: string; id: string; newId?: string; patch?: DataInput } & WriteOptions): Promise<EntityWriteResult>;

  entityGet(params: Position & { type: string; id: string; includeDeleted?: boolean; expand?: string[] }, options?: CallOptions): Promise<EntityResult>;
  entityQuery(params: Position & QueryParams, options?: CallOptions): Promise<QueryResult>;
  entityHistory(params: Position & { type: string; id: string; limit?: number; before?: number }, options?: CallOptions): Promise<{ versions: Entity[] }>;
  entityLineage(params: Position & { lineageId?: string; type?: string; id?: string }, options?: CallOptions): Promise<{ lineageId: string; versions: Entity[] }>;
  entityVersion(params: { session: string; versionId: string }, options?: CallOptions): Promise<{ entity: Entity }>;

  versionList(params: { session: string; branch?: string; limit?: number; before?: number }, options?: CallOptions): Promise<{ versions: VersionInfo[] }>;
  versionGet(params: { session: string; branch?: string; version: number }, options?: CallOptions): Promise<VersionInfo & { changes: Change[] }>;
  versionDiff(params: { session: string; from: { branch?: string; at: At }; to: { branch?: string; at: At }; type?: string }, options?: CallOptions): Promise<{ changes: Difference[] }>;
  versionRollback(params: { session: string; branch?: string; to: At; message?: string; actor?: string; expectedVersion?: number }): Promise<CommitResult>;
  versionRevert(params: { session: string; branch?: string; version: number; message?: string; actor?: string; force?: boolean }): Promise<CommitResult>;
  versionSubmit(params: { session: string; branch?: string; version: number; actor?: string; notes?: string }): Promise<VersionInfo>;
  versionReview(params: { session: string; branch?: string; version: number; decision: 'approved' | 'rejected'; actor?: string; notes?: string }): Promise<VersionInfo>;

  branchCreate(params: { session: string; name: string; from?: { branch?: string; at?: At } }): Promise<Branch>;
  branchGet(params: { session: string; name: string }, options?: CallOptions): Promise<Branch>;
  branchList(params: { session: string }, options?: CallOptions): Promise<{ branches: Branch[] }>;
  branchDelete(params: { session: string; name: string }): Promise<{ deleted: true }>;
  branchMerge(params: { session: string; source: string; target?: string; message?: string; actor?: string; onConflict?: 'fail' | 'source' | 'target' }): Promise<MergeResult>;

  turnBegin(params: { session: string; branch?: string; message?: string; metadata?: Data; actor?: string }): Promise<Turn>;
  turnGet(params: { turn: string }, options?: CallOptions): Promise<Turn>;
  turnList(params: { session: string; status?: 'staged' | 'committed' | 'reverted' }, options?: CallOptions): Promise<{ turns: Turn[] }>;
  turnCommit(params: { turn: string; message?: string; metadata?: Data; expectedVersion?: number }): Promise<CommitResult>;
  turnAbort(params: { turn: string }): Promise<Turn>;

  tagSet(params: { session: string; name: string; branch?: string; at: At }): Promise<Tag>;
  tagList(params: { session: string }, options?: CallOptions): Promise<{ tags: Tag[] }>;
  tagDelete(params: { session: string; name: string }): Promise<{ deleted: true }>;

  typeDefine(params: { name: string; fields: { [field: string]: FieldSpec }; strict?: boolean; description?: string }): Promise<TypeDefinition>;
  typeGet(params: { name: string }, options?: CallOptions): Promise<TypeDefinition>;
  typeList(options?: CallOptions): Promise<{ types: TypeDefinition[] }>;

  storeStats(options?: CallOptions): Promise<StoreStats>;
  storeVacuum(): Promise<{ bytesBefore: number; bytesAfter: number }>;

  feedRead(params?: { session?: string; since?: number; limit?: number }, options?: CallOptions): Promise<{ events: Event[]; cursor: number }>;
  subscribe(filter?: { session?: string; branch?: string; types?: string[]; ids?: string[]; kinds?: Event['kind'][]; since?: number; signal?: AbortSignalLike }): Subscription;

  /** Every entity `entityQuery` matches, page after page; outside a turn, all at the first page's version. */
  iterEntities<T extends object = Data>(params: Position & Omit<QueryParams, 'limit' | 'offset' | 'count'>, options?: PageOptions): AsyncGenerator<Entity<T>, void, undefined>;
  /** Every version of an entity, newest first, page after page. */
  iterHistory<T extends object = Data>(params: Omit<Position, 'turn'> & { type: string; id: string }, options?: PageOptions): AsyncGenerator<Entity<T>, void, undefined>;
  /** Every version of a branch through its ancestry, newest first, page after page. */
  iterVersions(params: { session: string; branch?: string }, options?: PageOptions): AsyncGenerator<VersionInfo, void, undefined>;
  /** Every session, page after page. */
  iterSessions(options?: PageOptions): AsyncGenerator<SessionInfo, void, undefined>;
  /** Calls that go to the server together, as one JSON-RPC batch. */
  batch(): Batch;
}

/** Calls sent together, as one JSON-RPC batch on one line, by `send()`; each returns a promise of its result. */
export class Batch extends Revstore {
  /** Sends the calls made so far and waits until each is answered. */
  send(): Promise<void>;
}

export class Subscription implements AsyncIterable<Event> {
  id: string | null;
  cursor: number | null;
  start(): Promise<Subscription>;
  close(): Promise<void>;
  [Symbol.asyncIterator](): AsyncGenerator<Event, void, undefined>;
}

export class Session {
  constructor(db: Revstore, name: string, branch?: string);
  readonly db: Revstore;
  readonly name: string;
  readonly branch: string | undefined;
  onBranch(branch: string): Session;
  put<T extends object = Data>(type: string, data: T, options?: { id?: string; ifVersion?: number } & WriteOptions): Promise<Entity<T>>;
  /** An object merge-patches (RFC 7396); an array of operations JSON-Patches (RFC 6902). */
  patch<T extends object = Data>(type: string, id: string, patch: DataInput | JSONPatchOperation[], options?: { ifVersion?: number } & WriteOptions): Promise<Entity<T>>;
  delete(type: string, id: string, options?: { ifVersion?: number } & WriteOptions): Promise<Entity>;
  restore<T extends object = Data>(type: string, id: string, options?: { data?: T } & WriteOptions): Promise<Entity<T>>;
  fork<T extends object = Data>(type: string, id: string, options?: { newId?: string; patch?: DataInput } & WriteOptions): Promise<Entity<T>>;
  commit(ops: Op[], options?: { allowEmpty?: boolean; metadata?: Data } & WriteOptions): Promise<CommitResult>;
  get<T extends object = Data>(type: string, id: string, options?: { at?: At; includeDeleted?: boolean; expand?: string[] } & CallOptions): Promise<Entity<T> | null>;
  query<T extends object = Data>(options?: QueryParams & { at?: At } & CallOptions): Promise<Entity<T>[]>;
  history<T extends object = Data>(type: string, id: string, options?: { limit?: number; before?: number }): Promise<Entity<T>[]>;
  diff(fromAt: At, toAt: At, options?: { type?: string }): Promise<Difference[]>;
  versions(options?: { limit?: number; before?: number }): Promise<VersionInfo[]>;
  rollback(to: At, options?: { message?: string; actor?: string; expectedVersion?: number }): Promise<CommitResult>;
  revert(version: number, options?: { message?: string; actor?: string; force?: boolean }): Promise<CommitResult>;
  createBranch(name: string, options?: { fromAt?: At }): Promise<Session>;
  merge(source: string, options?: { message?: string; actor?: string; onConflict?: 'fail' | 'source' | 'target' }): Promise<MergeResult>;
  subscribe(filter?: { types?: string[]; ids?: string[]; kinds?: Event['kind'][]; since?: number; signal?: AbortSignalLike }): Subscription;
  turn<T>(work: (turn: TurnScope) => Promise<T>, options?: { message?: string; metadata?: Data; actor?: string }): Promise<{ value: T; commit: CommitResult }>;
}

/** An open turn inside `Session.turn`. */
export class TurnScope {
  readonly session: Session;
  readonly id: string;
  put<T extends object = Data>(type: string, data: T, options?: { id?: string; ifVersion?: number }): Promise<Entity<T> | null>;
  patch<T extends object = Data>(type: string, id: string, patch: DataInput | JSONPatchOperation[], options?: { ifVersion?: number }): Promise<Entity<T> | null>;
  delete(type: string, id: string, options?: { ifVersion?: number }): Promise<Entity | null>;
  commit(ops: Op[]): Promise<CommitResult>;
  get<T extends object = Data>(type: string, id: string, options?: { includeDeleted?: boolean; expand?: string[] }): Promise<Entity<T> | null>;
  query<T extends object = Data>(options?: QueryParams): Promise<Entity<T>[]>;
  info(): Promise<Turn>;
}

export class RevstoreError extends Error {
  constructor(code: number, message: string, data?: Data);
  readonly code: number;
  readonly data: { reason?: string; [key: string]: any };
  readonly reason: string;
}
export class ParseError extends RevstoreError {}
export class InvalidRequestError extends RevstoreError {}
export class MessageTooLargeError extends RevstoreError {}
export class MethodNotFoundError extends RevstoreError {}
export class InvalidParamsError extends RevstoreError { readonly path: string }
export class InternalError extends RevstoreError {}
export class NotFoundError extends RevstoreError { readonly kind: string; readonly pruned: boolean }
export class AlreadyExistsError extends RevstoreError {}
export class ConflictError extends RevstoreError { readonly expected?: number; readonly actual?: number }
export class ValidationFailedError extends RevstoreError { readonly errors: { path: string; message: string }[] }
export class MergeConflictError extends RevstoreError { readonly conflicts: MergeConflict[] }
export class InvalidStateError extends RevstoreError {}
export class SchemaConflictError extends RevstoreError { readonly problems: string[] }
/** A write that would give a `"unique"` field a value another live entity holds. */
export class UniqueViolationError extends RevstoreError { readonly field: string; readonly value: Json; readonly heldBy: string }
export class BusyError extends RevstoreError {}
export class StorageError extends RevstoreError {}
export class ShuttingDownError extends RevstoreError {}
/** A read ran past the server's time limit (`--read-timeout`). */
export class ReadTimeoutError extends RevstoreError {
  /** The limit, in seconds. */
  readonly seconds: number | undefined;
}
export class CancelledError extends RevstoreError {}
export class ServerExitedError extends Error {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stderrTail: string[];
}
/** A call made after `close()`. */
export class ClientClosedError extends Error {}
export class BinaryNotFoundError extends Error {}
export function errorFromResponse(error: { code: number; message: string; data?: Data }): RevstoreError;
export function findBinary(binary?: string): string;
export class LineSplitter { push(chunk: Uint8Array): string[] }
