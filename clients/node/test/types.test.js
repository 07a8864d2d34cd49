import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));

test('index.d.ts type-checks, and a typed program against it compiles (tsc --noEmit)', () => {
  try {
    execFileSync('tsc', ['--noEmit', '-p', join(here, 'types')], { encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    assert.fail(`tsc failed:\n${error.stdout}${error.stderr}`);
  }
});

test('the sources\' JSDoc types check (tsc --checkJs), Node\'s own APIs declared in types/node.d.ts', () => {
  try {
    execFileSync('tsc', ['--noEmit', '-p', join(here, 'types', 'jsdoc.json')], { encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    assert.fail(`tsc failed:\n${error.stdout}${error.stderr}`);
  }
});

/** Where a method's first argument differs from the OpenRPC params on purpose: [extra, missing]. */
const SHAPED = {
  // The argument is clientInfo itself; the protocol version is the client's own.
  initialize: [['name', 'version'], ['clientInfo', 'protocolVersion']],
  // An AbortSignal ends the subscription.
  subscribe: [['signal'], []],
};
/** Methods a client does not call by name: a signal cancels, ending a subscription unsubscribes. */
const IMPLICIT = new Set(['$/cancelRequest', 'unsubscribe']);

test('each method takes the OpenRPC document\'s params, member by member (checked by tsc)', () => {
  const document = JSON.parse(readFileSync(join(here, '..', '..', '..', 'protocol', 'openrpc.json'), 'utf8'));
  const camel = (name) => name.replace(/\/(.)/g, (_, c) => c.toUpperCase());
  const union = (names) => (names.length ? names.map((n) => JSON.stringify(n)).join(' | ') : 'never');
  const lines = [
    `import type { Revstore } from ${JSON.stringify(join(here, '..', 'index.js'))};`,
    '// The keys of every member of a union, and a check that two key sets are the same.',
    'type Keys<T> = T extends unknown ? keyof T : never;',
    'type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;',
    'type Params<M extends keyof Revstore> = Revstore[M] extends (...args: infer A) => any ? NonNullable<A[0]> : never;',
  ];
  for (const method of document.methods.filter((m) => !IMPLICIT.has(m.name))) {
    const name = camel(method.name);
    const [extra, missing] = SHAPED[name] ?? [[], []];
    const documented = method.params.map((p) => p.name).filter((p) => !missing.includes(p)).concat(extra);
    if (method.params.length === 0) {
      lines.push(`const ${name}Exists: Revstore[${JSON.stringify(name)}] extends (...args: any[]) => any ? true : false = true;`);
    } else {
      lines.push(`const ${name}Params: Same<Keys<Params<${JSON.stringify(name)}>>, ${union(documented)}> = true;`);
    }
  }
  const directory = mkdtempSync(join(tmpdir(), 'revstore-types-'));
  writeFileSync(join(directory, 'params.ts'), lines.join('\n') + '\n');
  writeFileSync(join(directory, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, target: 'ES2022', module: 'ES2022', moduleResolution: 'node', lib: ['ES2022'], types: [] },
    files: [join(here, '..', 'index.d.ts'), 'params.ts'],
  }));
  try {
    execFileSync('tsc', ['--noEmit', '-p', directory], { encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const disagreeing = [...`${error.stdout}`.matchAll(/params\.ts\((\d+),/g)].map(([, line]) => lines[Number(line) - 1]);
    assert.fail(`the declarations and the OpenRPC document disagree:\n${disagreeing.join('\n')}\n${error.stdout}${error.stderr}`);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});
