// The few Node.js APIs the client's sources use, declared for `tsc --checkJs` where no
// Node type declarations are installed.
interface ImportMeta { url: string }
interface Buffer extends Uint8Array { toString(encoding?: 'base64' | 'utf8'): string }
declare const Buffer: {
  concat(list: readonly Uint8Array[]): Buffer;
  from(data: string, encoding: 'base64' | 'utf8'): Buffer;
  from(buffer: ArrayBufferLike, byteOffset?: number, length?: number): Buffer;
};
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: Uint8Array, options?: { stream?: boolean }): string;
}
declare class URL { constructor(url: string, base?: string | URL); href: string }
interface AbortSignal {
  readonly aborted: boolean; readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}
declare const process: { env: Record<string, string | undefined>; platform: string };
declare function setTimeout(callback: (...args: any[]) => void, ms?: number): { unref(): unknown };
declare function clearTimeout(handle: unknown): void;
declare module 'node:events' {
  export function once(emitter: unknown, event: string): Promise<unknown[]>;
}
declare module 'node:path' {
  export const delimiter: string;
  export function join(...parts: string[]): string;
}
declare module 'node:url' {
  export function fileURLToPath(url: string | URL): string;
}
declare module 'node:fs' {
  export const constants: { X_OK: number };
  export function accessSync(path: string, mode?: number): void;
  export function statSync(path: string): { isFile(): boolean };
}
declare module 'node:child_process' {
  interface Readable { on(event: 'data', listener: (chunk: Buffer) => void): this }
  interface Writable {
    write(chunk: string | Uint8Array): boolean; end(): void;
    on(event: 'error', listener: (error: Error) => void): this;
  }
  export interface ChildProcess {
    readonly pid: number | undefined; readonly exitCode: number | null; readonly signalCode: string | null;
    stdin: Writable; stdout: Readable; stderr: Readable;
    kill(signal?: string): boolean;
    on(event: 'error', listener: (error: Error) => void): this;
    on(event: 'close', listener: (code: number | null, signal: string | null) => void): this;
  }
  export function spawn(command: string, args: readonly string[], options: { stdio: string[]; env?: Record<string, string | undefined> }): ChildProcess;
}
