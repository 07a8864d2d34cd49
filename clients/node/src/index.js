/**
 * revstore for Node: spawn the revstore versioned-state engine and drive it over JSON-RPC on
 * stdio. No dependencies.
 *
 * ```js
 * import { Revstore } from 'revstore';
 * const db = await Revstore.spawn({ db: 'state.sqlite' });
 * const s = await db.session('chat-1', { create: true });
 * await s.put('User', { name: 'John' }, { id: 'u1' });
 * await db.close();
 * ```
 * @module revstore
 */
import { Connection } from './connection.js';
import { AlreadyExistsError } from './errors.js';

export * from './errors.js';
export { findBinary, LineSplitter } from './connection.js';

/** @typedef {{signal?: AbortSignal}} CallOptions */
/** @typedef {CallOptions & {pageSize?: number}} PageOptions */

/**
 * An object is an RFC 7396 merge patch (`patch`), an array an RFC 6902 JSON Patch (`jsonPatch`).
 * @param {object | object[]} patch
 */
function patchMember(patch) {
  return Array.isArray(patch) ? { jsonPatch: patch } : { patch };
}

/**
 * Pages of versions newest first: each next page is fetched `before` the last version seen.
 * @param {(before: number|undefined) => Promise<{versions: {version: number}[]}>} fetch @param {number} pageSize
 */
async function* pagesBefore(fetch, pageSize) {
  for (let before; ;) {
    const { versions } = await fetch(before);
    yield* versions;
    if (versions.length < pageSize) return;
    before = versions[versions.length - 1].version;
  }
}

/** A running revstore server and the calls it answers. */
export class Revstore {
  /** @param {Connection} connection */
  constructor(connection) {
    /** @type {Connection} */
    this.connection = connection;
  }

  /**
   * Starts a server. The binary comes from `binary`, else `REVSTORE_BIN`, else `PATH`. With
   * `shared`, every process that opens the same `db` with `shared` (and the same options) is
   * served by one server, so that their writes share commits instead of taking turns at the
   * file's lock.
   * @param {{db?: string, memory?: boolean, shared?: boolean, binary?: string, args?: string[],
   *   durability?: 'full'|'normal', env?: Record<string,string>, closeTimeout?: number,
   *   onStderr?: (line: string) => void}} [options]
   * @returns {Promise<Revstore>}
   */
  static async spawn(options = {}) {
    const args = [];
    if (options.memory) args.push('--memory');
    else if (options.db) args.push('--db', options.db);
    if (options.shared) args.push('--shared');
    if (options.durability) args.push('--durability', options.durability);
    args.push(...(options.args ?? []));
    return new Revstore(new Connection(args, options));
  }

  /** The server's process id. */
  get pid() { return this.connection.pid; }

  /** Closes stdin, waits, then terminates and kills the server if it must. @returns {Promise<number|null>} */
  close() { return this.connection.close(); }

  /**
   * Any method by name, with raw params and result.
   * @param {string} method @param {object} [params]
   * @param {{signal?: AbortSignal, onResult?: (result: any) => void}} [options]
   */
  call(method, params, options) { return this.connection.call(method, params, options); }

  // Lifecycle
  /** @param {{name?: string, version?: string}} [clientInfo] */
  initialize(clientInfo = { name: 'revstore-node' }) { return this.call('initialize', { clientInfo, protocolVersion: '1' }); }
  /** Answers `{}` at once. @param {CallOptions} [options] */
  ping(options) { return this.call('ping', undefined, options); }
  /** Later requests fail with `ShuttingDownError`. */
  shutdown() { return this.call('shutdown'); }
  /** The process exits at once. */
  exit() { return this.connection.notify('exit'); }

  // Sessions
  /** @param {{session?: string, metadata?: object}} [params] */
  sessionCreate(params = {}) { return this.call('session/create', params); }
  /** @param {{session: string}} params @param {CallOptions} [options] */
  sessionGet(params, options) { return this.call('session/get', params, options); }
  /** @param {{limit?: number, after?: string}} [params] @param {CallOptions} [options] */
  sessionList(params = {}, options) { return this.call('session/list', params, options); }
  /** @param {{session: string}} params */
  sessionDelete(params) { return this.call('session/delete', params); }
  /** A copy of the session with its whole history, made by the server. @param {{session: string, to: string}} params */
  sessionCopy(params) { return this.call('session/copy', params); }
  /** @param {{session: string, branch: string}} params */
  sessionCheckout(params) { return this.call('session/checkout', params); }
  /** @param {{session: string, keepLast?: number, keepSince?: string, keep?: {branch?: string, at: number}[], dryRun?: boolean}} params */
  sessionCompact(params) { return this.call('session/compact', params); }
  /** Every version of the entities, on every branch, removed for good. @param {{session: string, entities: {type: string, id: string}[]}} params */
  entityPurge(params) { return this.call('entity/purge', params); }

  /**
   * A handle on a session; with `create`, it is created unless it exists.
   * @param {string} [name] @param {{create?: boolean, metadata?: object, branch?: string}} [options]
   * @returns {Promise<Session>}
   */
  async session(name, options = {}) {
    if (options.create) {
      try {
        const info = await this.sessionCreate({ session: name, metadata: options.metadata });
        return new Session(this, info.session, options.branch);
      } catch (error) {
        if (!(error instanceof AlreadyExistsError)) throw error;
      }
    }
    if (name === undefined) throw new TypeError('session(): name a session, or pass { create: true } for the server to name one');
    await this.sessionGet({ session: name });
    return new Session(this, name, options.branch);
  }

  // Writes
  /** The one write primitive: all ops become one version. @param {object} params */
  commit(params) { return this.call('commit', params); }
  /** @param {object} params */
  entityPut(params) { return this.call('entity/put', params); }
  /** @param {object} params */
  entityPatch(params) { return this.call('entity/patch', params); }
  /** @param {object} params */
  entityDelete(params) { return this.call('entity/delete', params); }
  /** @param {object} params */
  entityRestore(params) { return this.call('entity/restore', params); }
  /** @param {object} params */
  entityFork(params) { return this.call('entity/fork', params); }

  // Reads
  /** @param {object} params @param {CallOptions} [options] */
  entityGet(params, options) { return this.call('entity/get', params, options); }
  /** @param {object} params @param {CallOptions} [options] */
  entityQuery(params, options) { return this.call('entity/query', params, options); }
  /** @param {object} params @param {CallOptions} [options] */
  entityHistory(params, options) { return this.call('entity/history', params, options); }
  /** @param {object} params @param {CallOptions} [options] */
  entityLineage(params, options) { return this.call('entity/lineage', params, options); }
  /** @param {{session: string, versionId: string}} params @param {CallOptions} [options] */
  entityVersion(params, options) { return this.call('entity/version', params, options); }

  // Versions
  /** @param {object} params @param {CallOptions} [options] */
  versionList(params, options) { return this.call('version/list', params, options); }
  /** @param {object} params @param {CallOptions} [options] */
  versionGet(params, options) { return this.call('version/get', params, options); }
  /** @param {object} params @param {CallOptions} [options] */
  versionDiff(params, options) { return this.call('version/diff', params, options); }
  /** @param {object} params */
  versionRollback(params) { return this.call('version/rollback', params); }
  /** @param {object} params */
  versionRevert(params) { return this.call('version/revert', params); }
  /** @param {object} params */
  versionSubmit(params) { return this.call('version/submit', params); }
  /** @param {object} params */
  versionReview(params) { return this.call('version/review', params); }

  // Branches
  /** @param {object} params */
  branchCreate(params) { return this.call('branch/create', params); }
  /** @param {{session: string, name: string}} params @param {CallOptions} [options] */
  branchGet(params, options) { return this.call('branch/get', params, options); }
  /** @param {{session: string}} params @param {CallOptions} [options] */
  branchList(params, options) { return this.call('branch/list', params, options); }
  /** @param {{session: string, name: string}} params */
  branchDelete(params) { return this.call('branch/delete', params); }
  /** @param {object} params */
  branchMerge(params) { return this.call('branch/merge', params); }

  // Turns
  /** @param {object} params */
  turnBegin(params) { return this.call('turn/begin', params); }
  /** @param {{turn: string}} params @param {CallOptions} [options] */
  turnGet(params, options) { return this.call('turn/get', params, options); }
  /** @param {{session: string, status?: string}} params @param {CallOptions} [options] */
  turnList(params, options) { return this.call('turn/list', params, options); }
  /** @param {object} params */
  turnCommit(params) { return this.call('turn/commit', params); }
  /** @param {{turn: string}} params */
  turnAbort(params) { return this.call('turn/abort', params); }

  // Tags
  /** @param {object} params */
  tagSet(params) { return this.call('tag/set', params); }
  /** @param {{session: string}} params @param {CallOptions} [options] */
  tagList(params, options) { return this.call('tag/list', params, options); }
  /** @param {{session: string, name: string}} params */
  tagDelete(params) { return this.call('tag/delete', params); }

  // Types
  /** @param {object} params */
  typeDefine(params) { return this.call('type/define', params); }
  /** @param {{name: string}} params @param {CallOptions} [options] */
  typeGet(params, options) { return this.call('type/get', params, options); }
  /** @param {CallOptions} [options] */
  typeList(options) { return this.call('type/list', undefined, options); }

  // Store
  /** @param {CallOptions} [options] */
  storeStats(options) { return this.call('store/stats', undefined, options); }
  storeVacuum() { return this.call('store/vacuum'); }

  // Pages: each iterator reads page after page, so no caller handles `limit`

  /**
   * Every entity `entityQuery` matches, in its order. Outside a turn, every page reads the
   * version the first one read, so writes made meanwhile do not shift the pages.
   * @param {object} params @param {PageOptions} [options]
   */
  async *iterEntities(params, options = {}) {
    const { pageSize = 1000, ...callOptions } = options;
    let at = params.at;
    for (let offset = 0; ; offset += pageSize) {
      const page = await this.entityQuery({ ...params, at, limit: pageSize, offset }, callOptions);
      yield* page.entities;
      if (page.entities.length < pageSize) return;
      if (params.turn === undefined) at = page.version;
    }
  }

  /**
   * Every version of an entity, newest first.
   * @param {{session: string, type: string, id: string, at?: number|string, branch?: string}} params
   * @param {PageOptions} [options]
   */
  async *iterHistory(params, options = {}) {
    const { pageSize = 1000, ...callOptions } = options;
    yield* pagesBefore((before) => this.entityHistory({ ...params, limit: pageSize, before }, callOptions), pageSize);
  }

  /**
   * Every version of a branch through its ancestry, newest first.
   * @param {{session: string, branch?: string}} params @param {PageOptions} [options]
   */
  async *iterVersions(params, options = {}) {
    const { pageSize = 1000, ...callOptions } = options;
    yield* pagesBefore((before) => this.versionList({ ...params, limit: pageSize, before }, callOptions), pageSize);
  }

  /** Every session. @param {PageOptions} [options] */
  async *iterSessions(options = {}) {
    const { pageSize = 1000, ...callOptions } = options;
    for (let after; ;) {
      const page = await this.sessionList({ limit: pageSize, after }, callOptions);
      yield* page.sessions;
      if (!page.next) return;
      after = page.next;
    }
  }

  /** Calls that go to the server together, as one JSON-RPC batch (see `Batch`). @returns {Batch} */
  batch() { return new Batch(this.connection); }

  // Events
  /** @param {{session?: string, since?: number, limit?: number}} [params] @param {CallOptions} [options] */
  feedRead(params = {}, options) { return this.call('feed/read', params, options); }

  /**
   * Change events as an async iterator: `for await (const event of db.subscribe({ session, since }))`.
   * The request is sent when this is called, so the events of every write made after it are
   * delivered; they are queued as they arrive, so none is lost between reads. `await sub.start()`
   * waits until the server has registered it. `break`, `close()` or an aborted `signal` unsubscribes.
   * @param {{session?: string, branch?: string, types?: string[], ids?: string[], kinds?: string[], since?: number, signal?: AbortSignal}} [filter]
   * @returns {Subscription}
   */
  subscribe(filter = {}) { return new Subscription(this, filter); }
}

/**
 * Calls sent together, as one JSON-RPC batch on one line, by `send()`. Every method of
 * `Revstore` is here with the same arguments and returns at once a promise of its result,
 * settled once the batch is answered; a failed call rejects its own promise only. Writes side
 * by side in a batch commit in one transaction while the server's writer is free: one sync,
 * each its own version.
 *
 *     const batch = db.batch();
 *     const note = batch.entityGet({ session: 's', type: 'Note', id: 'n1' });
 *     const stats = batch.storeStats();
 *     await batch.send();
 */
export class Batch extends Revstore {
  #calls = [];
  #sent = false;

  call(method, params) {
    if (this.#sent) return super.call(method, params);
    return new Promise((resolve, reject) => this.#calls.push({ method, params, resolve, reject }));
  }

  /** Sends the calls made so far and waits until each is answered. @returns {Promise<void>} */
  async send() {
    this.#sent = true;
    const calls = this.#calls.splice(0);
    if (calls.length === 0) return;
    const answers = this.connection.callBatch(calls);
    answers.forEach((answer, index) => answer.then(calls[index].resolve, calls[index].reject));
    await Promise.allSettled(answers);
  }
}

/** A live subscription: iterate it for events; `cursor` is the last one seen. */
export class Subscription {
  #db;
  #queue = [];
  /** @type {((event: object | null) => void) | null} */
  #waiting = null;
  /** @type {Promise<Subscription>} */
  #started;
  #closed = false;

  /** @param {Revstore} db @param {object} filter */
  constructor(db, filter) {
    const { signal, ...params } = filter;
    this.#db = db;
    /** @type {string|null} */
    this.id = null;
    /** @type {number|null} */
    this.cursor = params.since ?? null;
    // Sent now, in order with the caller's later requests: none of their events can be missed.
    this.#started = this.#db.call('subscribe', params, {
      // Runs as the response is read, before any event that follows it.
      onResult: (result) => {
        this.id = result.subscription;
        this.#db.connection.addSubscriber(result.subscription, (event) => this.#push(event));
      },
    }).then((result) => {
      this.cursor ??= result.cursor;
      return this;
    });
    this.#started.catch(() => {}); // reported by start() and iteration, not as an unhandled rejection
    if (signal) {
      if (signal.aborted) this.close();
      else signal.addEventListener('abort', () => this.close(), { once: true });
    }
  }

  /** Waits until the server has registered the subscription. @returns {Promise<Subscription>} */
  start() {
    return this.#started;
  }

  #push(event) {
    if (this.#waiting) {
      const resolve = this.#waiting;
      this.#waiting = null;
      resolve(event);
    } else {
      this.#queue.push(event);
    }
  }

  async *[Symbol.asyncIterator]() {
    await this.start();
    try {
      while (!this.#closed) {
        const event = this.#queue.length ? this.#queue.shift() : await new Promise((resolve) => { this.#waiting = resolve; });
        if (event === null) return; // the server ended
        this.cursor = event.cursor;
        yield event;
      }
    } finally {
      await this.close();
    }
  }

  /** Unsubscribes; queued events are dropped. */
  async close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#waiting?.(null);
    await this.#started.catch(() => {});
    if (!this.id) return;
    this.#db.connection.removeSubscriber(this.id);
    await this.#db.call('unsubscribe', { subscription: this.id }).catch(() => {});
  }
}

/** A handle on one session (and optionally one branch): the everyday surface. */
export class Session {
  /** @param {Revstore} db @param {string} name @param {string} [branch] */
  constructor(db, name, branch) {
    this.db = db;
    this.name = name;
    this.branch = branch;
  }

  /** The same session on another branch. @param {string} branch */
  onBranch(branch) { return new Session(this.db, this.name, branch); }

  #params(extra) { return { session: this.name, branch: this.branch, ...extra }; }

  /** Creates or replaces an entity; resolves with it as written. */
  async put(type, data, options = {}) { return (await this.db.entityPut(this.#params({ type, data, ...options }))).entity; }
  async patch(type, id, patch, options = {}) { return (await this.db.entityPatch(this.#params({ type, id, ...patchMember(patch), ...options }))).entity; }
  /** Deletes an entity (its history stays); resolves with the tombstone. */
  async delete(type, id, options = {}) { return (await this.db.entityDelete(this.#params({ type, id, ...options }))).entity; }
  async restore(type, id, options = {}) { return (await this.db.entityRestore(this.#params({ type, id, ...options }))).entity; }
  async fork(type, id, options = {}) { return (await this.db.entityFork(this.#params({ type, id, ...options }))).entity; }
  commit(ops, options = {}) { return this.db.commit(this.#params({ ops, ...options })); }
  /** The entity at the head, or at `options.at`; null when absent. */
  async get(type, id, options = {}) { return (await this.db.entityGet(this.#params({ type, id, ...options }), options)).entity; }
  async query(options = {}) { return (await this.db.entityQuery(this.#params(options), options)).entities; }
  async history(type, id, options = {}) { return (await this.db.entityHistory(this.#params({ type, id, ...options }))).versions; }
  /** What changed between two versions of this branch. */
  async diff(fromAt, toAt, options = {}) {
    const result = await this.db.versionDiff({ session: this.name, from: { branch: this.branch, at: fromAt }, to: { branch: this.branch, at: toAt }, ...options });
    return result.changes;
  }
  async versions(options = {}) { return (await this.db.versionList(this.#params(options))).versions; }
  rollback(to, options = {}) { return this.db.versionRollback(this.#params({ to, ...options })); }
  revert(version, options = {}) { return this.db.versionRevert(this.#params({ version, ...options })); }
  /** Forks a branch from this one and resolves with a handle on it. */
  async createBranch(name, options = {}) {
    await this.db.branchCreate({ session: this.name, name, from: { branch: this.branch, at: options.fromAt } });
    return this.onBranch(name);
  }
  merge(source, options = {}) { return this.db.branchMerge({ session: this.name, source, target: this.branch, ...options }); }
  subscribe(filter = {}) { return this.db.subscribe({ session: this.name, branch: this.branch, ...filter }); }

  /**
   * Runs `work` in a turn: its writes are staged and its reads see them; the turn commits as one
   * version when `work` resolves and aborts when it throws (the error is rethrown).
   * @template T
   * @param {(turn: TurnScope) => Promise<T>} work @param {{message?: string, metadata?: object, actor?: string}} [options]
   * @returns {Promise<{value: T, commit: object}>}
   */
  async turn(work, options = {}) {
    const begun = await this.db.turnBegin(this.#params(options));
    const turn = new TurnScope(this, begun.turn);
    let value;
    try {
      value = await work(turn);
    } catch (error) {
      await this.db.turnAbort({ turn: begun.turn }).catch(() => {});
      throw error;
    }
    return { value, commit: await this.db.turnCommit({ turn: begun.turn }) };
  }
}

/** An open turn inside `Session.turn`: writes stage into it, reads see them. */
export class TurnScope {
  /** @param {Session} session @param {string} id */
  constructor(session, id) {
    this.session = session;
    this.id = id;
  }

  #params(extra) { return { session: this.session.name, turn: this.id, ...extra }; }

  async put(type, data, options = {}) { return (await this.session.db.entityPut(this.#params({ type, data, ...options }))).entity; }
  async patch(type, id, patch, options = {}) { return (await this.session.db.entityPatch(this.#params({ type, id, ...patchMember(patch), ...options }))).entity; }
  async delete(type, id, options = {}) { return (await this.session.db.entityDelete(this.#params({ type, id, ...options }))).entity; }
  commit(ops) { return this.session.db.commit(this.#params({ ops })); }
  async get(type, id, options = {}) { return (await this.session.db.entityGet(this.#params({ type, id, ...options }))).entity; }
  async query(options = {}) { return (await this.session.db.entityQuery(this.#params(options))).entities; }
  info() { return this.session.db.turnGet({ turn: this.id }); }
}
