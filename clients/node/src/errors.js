/**
 * Errors raised by the client: one class per `data.reason` of the protocol's errors.
 * @module revstore/errors
 */

/** An error answered by the server; keeps its `code`, `message` and `data`. */
export class RevstoreError extends Error {
  /** @param {number} code @param {string} message @param {Record<string, any>} [data] */
  constructor(code, message, data = {}) {
    super(message);
    this.name = new.target.name;
    /** @type {number} */
    this.code = code;
    /** @type {Record<string, any>} */
    this.data = data;
  }

  /** The stable reason string of this error. */
  get reason() {
    return this.data.reason ?? '';
  }
}

export class ParseError extends RevstoreError {}
export class InvalidRequestError extends RevstoreError {}
export class MessageTooLargeError extends RevstoreError {}
export class MethodNotFoundError extends RevstoreError {}
/** A missing or malformed parameter; `path` names it (`ops.3.type`). */
export class InvalidParamsError extends RevstoreError {
  get path() { return this.data.path ?? ''; }
}
export class InternalError extends RevstoreError {}
/** `kind` says what was missing: session, branch, version, entity, turn, type, tag, … */
export class NotFoundError extends RevstoreError {
  get kind() { return this.data.kind ?? ''; }
  /** True when the version was removed by compaction. */
  get pruned() { return this.data.pruned === true; }
}
export class AlreadyExistsError extends RevstoreError {}
/** An `expectedVersion` or `ifVersion` mismatch, or a revert over later changes. */
export class ConflictError extends RevstoreError {
  get expected() { return this.data.expected; }
  get actual() { return this.data.actual; }
}
/** Data that does not fit its declared type; `errors` lists every problem with its path. */
export class ValidationFailedError extends RevstoreError {
  get errors() { return this.data.errors ?? []; }
}
export class MergeConflictError extends RevstoreError {
  get conflicts() { return this.data.conflicts ?? []; }
}
export class InvalidStateError extends RevstoreError {}
export class SchemaConflictError extends RevstoreError {
  get problems() { return this.data.problems ?? []; }
}
/** A write that would give a `"unique"` field a value another live entity holds; `heldBy` is its id. */
export class UniqueViolationError extends RevstoreError {
  get field() { return this.data.field; }
  get value() { return this.data.value; }
  get heldBy() { return this.data.heldBy; }
}
/** The store stayed locked past the busy timeout; worth retrying. */
export class BusyError extends RevstoreError {}
export class StorageError extends RevstoreError {}
export class ShuttingDownError extends RevstoreError {}
/** A read ran past the server's time limit (`--read-timeout`). */
export class ReadTimeoutError extends RevstoreError {
  /** @returns {number | undefined} the limit, in seconds */
  get seconds() { return this.data.seconds; }
}
/** The request was cancelled (`$/cancelRequest`, or an aborted `AbortSignal`). */
export class CancelledError extends RevstoreError {}

/** The server process ended while calls were pending (or before a call was made). */
export class ServerExitedError extends Error {
  /** @param {number|null} exitCode @param {string|null} signal @param {string[]} stderrTail */
  constructor(exitCode, signal, stderrTail) {
    const tail = stderrTail.slice(-10).join('\n  ') || '(nothing on stderr)';
    super(`revstore exited (${signal ? `signal ${signal}` : `status ${exitCode}`}); last stderr lines:\n  ${tail}`);
    this.name = 'ServerExitedError';
    this.exitCode = exitCode;
    this.signal = signal;
    this.stderrTail = stderrTail;
  }
}

/** A call made after the client was closed. */
export class ClientClosedError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ClientClosedError';
  }
}

/** No revstore binary was found where the client looks. */
export class BinaryNotFoundError extends Error {
  constructor(message) {
    super(message);
    this.name = 'BinaryNotFoundError';
  }
}

const BY_REASON = {
  PARSE_ERROR: ParseError, INVALID_REQUEST: InvalidRequestError, TOO_LARGE: MessageTooLargeError,
  METHOD_NOT_FOUND: MethodNotFoundError, INVALID_PARAMS: InvalidParamsError, INTERNAL_ERROR: InternalError,
  NOT_FOUND: NotFoundError, ALREADY_EXISTS: AlreadyExistsError, CONFLICT: ConflictError, VALIDATION_FAILED: ValidationFailedError,
  MERGE_CONFLICT: MergeConflictError, INVALID_STATE: InvalidStateError, SCHEMA_CONFLICT: SchemaConflictError,
  UNIQUE_VIOLATION: UniqueViolationError,
  BUSY: BusyError, STORAGE_ERROR: StorageError, SHUTTING_DOWN: ShuttingDownError, TIMEOUT: ReadTimeoutError, CANCELLED: CancelledError,
};

/**
 * The error for a JSON-RPC error object, chosen by `data.reason`.
 * @param {{code: number, message: string, data?: Record<string, any>}} error
 * @returns {RevstoreError}
 */
export function errorFromResponse(error) {
  const data = error.data && typeof error.data === 'object' ? error.data : {};
  const ErrorClass = BY_REASON[data.reason] ?? RevstoreError;
  return new ErrorClass(error.code, error.message, data);
}
