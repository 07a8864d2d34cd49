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

/** The OpenRPC document, and what both declaration checks below name its methods and key sets by. */
const DOCUMENT = JSON.parse(readFileSync(join(here, '..', '..', '..', 'protocol', 'openrpc.json'), 'utf8'));
const camel = (name) => name.replace(/\/(.)/g, (_, c) => c.toUpperCase());
const union = (names) => (names.length ? names.map((n) => JSON.stringify(n)).join(' | ') : 'never');
const SAME = 'type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;';

/**
 * Has tsc check `lines` (TypeScript) against index.d.ts; fails naming each line it rejects, under
 * the comment before it if there is one.
 * @param {string} file @param {string[]} lines
 */
function expectDeclarationsAgree(file, lines) {
  const directory = mkdtempSync(join(tmpdir(), 'revstore-types-'));
  writeFileSync(join(directory, file), lines.join('\n') + '\n');
  writeFileSync(join(directory, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, target: 'ES2022', module: 'ES2022', moduleResolution: 'node', lib: ['ES2022'], types: [] },
    files: [join(here, '..', 'index.d.ts'), file],
  }));
  try {
    execFileSync('tsc', ['--noEmit', '-p', directory], { encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const disagreeing = [...`${error.stdout}`.matchAll(new RegExp(`${file.replace('.', '\\.')}\\((\\d+),`, 'g'))].map(([, line]) => {
      const index = Number(line) - 1;
      const comment = lines.slice(0, index).findLast((l) => l.startsWith('// '));
      return comment ? `${comment}\n${lines[index]}` : lines[index];
    });
    assert.fail(`the declarations and the OpenRPC document disagree:\n${disagreeing.join('\n')}\n${error.stdout}${error.stderr}`);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

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
  // Keys<T>: the keys of every member of a union.
  const lines = [
    `import type { Revstore } from ${JSON.stringify(join(here, '..', 'index.js'))};`,
    'type Keys<T> = T extends unknown ? keyof T : never;',
    SAME,
    'type Params<M extends keyof Revstore> = Revstore[M] extends (...args: infer A) => any ? NonNullable<A[0]> : never;',
  ];
  for (const method of DOCUMENT.methods.filter((m) => !IMPLICIT.has(m.name))) {
    const name = camel(method.name);
    const [extra, missing] = SHAPED[name] ?? [[], []];
    const documented = method.params.map((p) => p.name).filter((p) => !missing.includes(p)).concat(extra);
    if (method.params.length === 0) {
      lines.push(`const ${name}Exists: Revstore[${JSON.stringify(name)}] extends (...args: any[]) => any ? true : false = true;`);
    } else {
      lines.push(`const ${name}Params: Same<Keys<Params<${JSON.stringify(name)}>>, ${union(documented)}> = true;`);
    }
  }
  expectDeclarationsAgree('params.ts', lines);
});

/** The interface each component schema is declared as, where its name differs. */
const INTERFACES = { Session: 'SessionInfo', Field: 'FieldSpec', Type: 'TypeDefinition' };

test('each result, and each interface a result holds, has the OpenRPC document\'s members, the required ones required (checked by tsc)', () => {
  const { schemas } = DOCUMENT.components;
  const resolve = (schema) => (schema.$ref ? resolve(schemas[schema.$ref.split('/').pop()]) : schema);
  const lines = [
    `import type * as R from ${JSON.stringify(join(here, '..', 'index.js'))};`,
    SAME,
    'type Required<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? never : K }[keyof T];',
    'type Result<M extends keyof R.Revstore> = R.Revstore[M] extends (...args: any[]) => Promise<infer T> ? T : never;',
  ];
  let count = 0;
  /** Checks `type` against an object schema, and the inline objects inside it, member by member. */
  const check = (type, schema, where) => {
    lines.push(`// ${where}`);
    lines.push(`const keys${count}: Same<keyof ${type}, ${union(Object.keys(schema.properties ?? {}))}> = true;`);
    lines.push(`const required${count++}: Same<Required<${type}>, ${union(schema.required ?? [])}> = true;`);
    for (const [member, value] of Object.entries(schema.properties ?? {})) {
      const inner = value.oneOf?.find((s) => s.type !== 'null') ?? value;
      const element = inner.type === 'array' ? inner.items : inner;
      if (element.properties && !element.$ref) {
        check(`NonNullable<${type}[${JSON.stringify(member)}]>${inner.type === 'array' ? '[number]' : ''}`, element, `${where}.${member}`);
      }
    }
  };
  for (const [name, schema] of Object.entries(schemas)) {
    if (schema.additionalProperties === false && schema.properties && name !== 'Bytes') check(`R.${INTERFACES[name] ?? name}`, schema, name);
  }
  // subscribe answers with a Subscription: its id and cursor are the result's subscription and cursor.
  lines.push('const subscribeResult: Same<Extract<keyof R.Subscription, "id" | "cursor">, "id" | "cursor"> = true;');
  for (const method of DOCUMENT.methods.filter((m) => m.result && !IMPLICIT.has(m.name) && m.name !== 'subscribe')) {
    const schema = resolve(method.result.schema);
    if (schema.type === 'null') lines.push(`const result${count++}: Same<Result<${JSON.stringify(camel(method.name))}>, null> = true;`);
    else check(`Result<${JSON.stringify(camel(method.name))}>`, schema, method.name);
  }
  expectDeclarationsAgree('results.ts', lines);
});
