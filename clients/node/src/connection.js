/**
 * The revstore child process and the JSON-RPC conversation with it.
 * @module revstore/connection
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { BinaryNotFoundError, ClientClosedError, ServerExitedError, errorFromResponse } from './errors.js';

/** Where the package that `make dist` writes carries the server. */
export const BUNDLED_BINARY = fileURLToPath(new URL('../bin/revstore', import.meta.url));

/**
 * The revstore executable: `binary` if given, else `REVSTORE_BIN`, else the server bundled in
 * this package, else `revstore` on `PATH`.
 * @param {string} [binary]
 * @returns {string}
 */
export function findBinary(binary) {
  const onPath = (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'revstore'));
  const candidates = [
    ['the binary option', binary ? [binary] : []],
    ['REVSTORE_BIN', process.env.REVSTORE_BIN ? [process.env.REVSTORE_BIN] : []],
    ['the bundled server', [BUNDLED_BINARY]],
    ['PATH', onPath],
  ];
  for (const [, paths] of candidates) {
    for (const path of paths) {
      try {
        if (statSync(path).isFile()) {
          accessSync(path, constants.X_OK);
          return path;
        }
      } catch {
        // not there, or not executable: look further
      }
    }
  }
  throw new BinaryNotFoundError(
    'cannot find the revstore executable; looked at the binary option' +
      ` (${binary ?? 'not given'}), then REVSTORE_BIN (${process.env.REVSTORE_BIN ?? 'not set'}),` +
      ` then the bundled server (${BUNDLED_BINARY}), then PATH. To get one: install the package that` +
      ' `make dist` writes (it carries the server), or run `make install` in the repository, or pass' +
      ' `binary` or set REVSTORE_BIN to a built revstore.');
}

/**
 * Splits a byte stream on 0x0A only (never on a lone CR or U+2028, unlike `readline`) and
 * decodes each complete line, so a UTF-8 character split across chunks arrives intact.
 */
export class LineSplitter {
  #pending = [];
  #decoder = new TextDecoder('utf-8', { fatal: false });

  /** @param {Buffer} chunk @returns {string[]} the complete lines in it */
  push(chunk) {
    const lines = [];
    let start = 0;
    let newline;
    while ((newline = chunk.indexOf(0x0a, start)) !== -1) {
      const piece = chunk.subarray(start, newline);
      const bytes = this.#pending.length ? Buffer.concat([...this.#pending, piece]) : piece;
      this.#pending = [];
      if (bytes.length) lines.push(this.#decoder.decode(bytes));
      start = newline + 1;
    }
    if (start < chunk.length) this.#pending.push(chunk.subarray(start));
    return lines;
  }
}

/**
 * One revstore child process, with calls multiplexed over its stdin/stdout by id.
 * stderr is always drained, so the child can never block on it.
 */
export class Connection {
  #child;
  #nextId = 0;
  /** @type {Map<number, {resolve: Function, reject: Function, onResult?: Function}>} */
  #pending = new Map();
  /** @type {Map<string, Function>} */
  #subscribers = new Map();
  #stderrTail = [];
  /** @type {ServerExitedError | null} */
  #exitError = null;
  #closed = false;
  /** @type {Promise<void>} */
  #exited;
  #closeTimeout;
  #writing = Promise.resolve();

  /**
   * @param {string[]} args @param {{binary?: string, env?: Record<string,string>, closeTimeout?: number,
   *   onStderr?: (line: string) => void}} [options]
   */
  constructor(args, options = {}) {
    this.#closeTimeout = options.closeTimeout ?? 2000;
    this.#child = spawn(findBinary(options.binary), args, { stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env });
    const splitter = new LineSplitter();
    this.#child.stdout.on('data', (chunk) => {
      for (const line of splitter.push(chunk)) {
        let message;
        try {
          message = parseLine(line);
        } catch {
          // A response streamed in parts that failed part-way is cut off; the error response
          // with its id follows on the next line.
          continue;
        }
        this.#dispatch(message);
      }
    });
    const stderrSplitter = new LineSplitter();
    this.#child.stderr.on('data', (chunk) => {
      for (const line of stderrSplitter.push(chunk)) {
        this.#stderrTail.push(line);
        if (this.#stderrTail.length > 50) this.#stderrTail.shift();
        options.onStderr?.(line);
      }
    });
    this.#child.stdin.on('error', () => {}); // EPIPE when the child is gone: reported through exit
    this.#exited = new Promise((resolve) => {
      this.#child.on('error', (error) => {
        this.#stderrTail.push(String(error));
        resolve();
      });
      this.#child.on('close', (code, signal) => {
        this.#exitError = new ServerExitedError(code, signal, [...this.#stderrTail]);
        for (const { reject } of this.#pending.values()) reject(this.#exitError);
        this.#pending.clear();
        for (const handler of this.#subscribers.values()) handler(null);
        resolve();
      });
    });
  }

  /** The child's process id. */
  get pid() { return this.#child.pid; }

  /** The exit status once the child ended, else null. */
  get exitCode() { return this.#child.exitCode; }

  /**
   * Sends a request and resolves with its result, or rejects with the mapped error.
   * An aborted `signal` sends `$/cancelRequest` and rejects with the signal's reason.
   * @param {string} method @param {object} [params]
   * @param {{signal?: AbortSignal, onResult?: (result: any) => void}} [options]
   */
  call(method, params, options = {}) {
    const refused = this.#refusal();
    if (refused) return Promise.reject(refused);
    if (options.signal?.aborted) return Promise.reject(options.signal.reason);
    const request = this.#request(method, params, options);
    this.#write(request.message).catch(request.fail);
    return request.answer;
  }

  /**
   * Sends several requests as one JSON-RPC batch, on one line; a promise of each one's result.
   * @param {{method: string, params?: object}[]} calls
   * @returns {Promise<any>[]}
   */
  callBatch(calls) {
    const refused = this.#refusal();
    if (refused) return calls.map(() => Promise.reject(refused));
    const requests = calls.map(({ method, params }) => this.#request(method, params, {}));
    this.#write(requests.map((request) => request.message)).catch((error) => requests.forEach((request) => request.fail(error)));
    return requests.map((request) => request.answer);
  }

  /** Why no request can be sent now, if none can. */
  #refusal() {
    if (this.#closed) return new ClientClosedError('this client was closed; spawn a new one');
    return this.#exitError;
  }

  /** A numbered request, its answer, and how to fail it. */
  #request(method, params, options) {
    const id = ++this.#nextId;
    const message = { jsonrpc: '2.0', id, method };
    if (params) message.params = withoutUndefined(params);
    /** @type {(reason: unknown) => void} replaced as the promise is made */
    let fail = () => {};
    const answer = new Promise((resolve, reject) => {
      let onAbort;
      const settle = (fn) => (value) => {
        options.signal?.removeEventListener('abort', onAbort);
        this.#pending.delete(id);
        fn(value);
      };
      fail = settle(reject);
      this.#pending.set(id, { resolve: settle(resolve), reject: fail, onResult: options.onResult });
      if (options.signal) {
        onAbort = () => {
          this.notify('$/cancelRequest', { id }).catch(() => {});
          fail(options.signal.reason);
        };
        options.signal.addEventListener('abort', onAbort, { once: true });
      }
    });
    return { message, answer, fail };
  }

  /** Sends a notification (never answered). @param {string} method @param {object} [params] */
  notify(method, params) {
    const message = { jsonrpc: '2.0', method };
    if (params) message.params = params;
    return this.#write(message);
  }

  /** Writes one line, honouring stdin's backpressure; writes never interleave. */
  #write(message) {
    const line = JSON.stringify(message, bytesValue) + '\n';
    const write = this.#writing.then(async () => {
      if (this.#exitError) throw this.#exitError;
      try {
        if (!this.#child.stdin.write(line)) await Promise.race([once(this.#child.stdin, 'drain'), this.#exited]);
      } catch (error) {
        // A pipe that broke because the server died: say so, with its status and stderr.
        await Promise.race([this.#exited, delay(this.#closeTimeout)]);
        throw this.#exitError ?? error;
      }
    });
    this.#writing = write.catch(() => {});
    return write;
  }

  /** @param {string} subscription @param {(event: object|null) => void} handler */
  addSubscriber(subscription, handler) {
    this.#subscribers.set(subscription, handler);
  }

  /** @param {string} subscription */
  removeSubscriber(subscription) {
    this.#subscribers.delete(subscription);
  }

  #dispatch(message) {
    if (Array.isArray(message)) {
      for (const element of message) this.#dispatch(element);
      return;
    }
    if (!('id' in message)) {
      if (message.method === 'subscription/event') {
        // A subscription is registered as its response is read, before any of its events;
        // an unknown one was unsubscribed, and its late events are dropped.
        this.#subscribers.get(message.params.subscription)?.(message.params.event);
      }
      return;
    }
    const pending = this.#pending.get(message.id);
    if (!pending) return; // answered after it was abandoned
    if (message.error) pending.reject(errorFromResponse(message.error));
    else {
      pending.onResult?.(message.result);
      pending.resolve(message.result);
    }
  }

  /**
   * Closes stdin and waits; then SIGTERM and waits; then SIGKILL.
   * @returns {Promise<number|null>} the exit status
   */
  async close() {
    this.#closed = true;
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      this.#child.stdin.end();
      for (const signal of [null, 'SIGTERM', 'SIGKILL']) {
        if (signal) this.#child.kill(signal);
        const ended = await Promise.race([this.#exited.then(() => true), delay(this.#closeTimeout).then(() => false)]);
        if (ended) break;
      }
    }
    await this.#exited;
    return this.#child.exitCode;
  }
}

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function withoutUndefined(object) {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined && value !== null));
}

// Bytes in entity data travel as {"$bytes": "<base64>"} (protocol/README.md §5): a Buffer or
// Uint8Array goes out in that form and comes back as a Buffer.

/** JSON.stringify replacer: `this[key]` is the value before Buffer's own toJSON ran. */
function bytesValue(key, value) {
  const original = this[key];
  if (original instanceof Uint8Array) {
    return { $bytes: Buffer.from(original.buffer, original.byteOffset, original.byteLength).toString('base64') };
  }
  return value;
}

function bytesOf(key, value) {
  if (value !== null && typeof value === 'object' && typeof value.$bytes === 'string' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1) return Buffer.from(value.$bytes, 'base64');
  }
  return value;
}

/** Only a line that names $bytes pays for the reviver. */
function parseLine(line) {
  return line.includes('"$bytes"') ? JSON.parse(line, bytesOf) : JSON.parse(line);
}
