import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Revstore, BinaryNotFoundError, ServerExitedError, NotFoundError } from '../src/index.js';
import { alive, binary, sleep } from './helpers.js';

test('spawn, initialize, close: exit 0 and no process left', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'revstore-'));
  const db = await Revstore.spawn({ db: join(dir, 'state.sqlite'), binary });
  const info = await db.initialize({ name: 'tests' });
  assert.equal(info.protocolVersion, '1');
  assert.equal(info.serverInfo.name, 'revstore');
  assert.ok(info.store.path.endsWith('state.sqlite'));
  const pid = db.pid;
  assert.equal(await db.close(), 0);
  assert.equal(alive(pid), false);
});

test('a missing binary names the option, REVSTORE_BIN and PATH', async () => {
  const saved = { bin: process.env.REVSTORE_BIN, path: process.env.PATH };
  process.env.REVSTORE_BIN = '/nonexistent/revstore';
  process.env.PATH = '/nonexistent';
  try {
    await assert.rejects(Revstore.spawn({ memory: true, binary: '/also/missing' }), (error) => {
      assert.ok(error instanceof BinaryNotFoundError);
      assert.match(error.message, /binary option/);
      assert.match(error.message, /REVSTORE_BIN/);
      assert.match(error.message, /bundled server/);
      assert.match(error.message, /PATH/);
      assert.match(error.message, /make dist/);
      return true;
    });
  } finally {
    process.env.REVSTORE_BIN = saved.bin;
    process.env.PATH = saved.path;
    if (saved.bin === undefined) delete process.env.REVSTORE_BIN;
  }
});

test('close escalates to SIGTERM and SIGKILL for a server that will not stop', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'revstore-'));
  const stuck = join(dir, 'stuck');
  writeFileSync(stuck, "#!/bin/sh\ntrap '' TERM\nwhile true; do sleep 0.1; done\n");
  chmodSync(stuck, 0o755);
  const db = await Revstore.spawn({ memory: true, binary: stuck, closeTimeout: 300 });
  const started = Date.now();
  await db.close();
  assert.ok(Date.now() - started < 3000);
  assert.equal(alive(db.pid), false);
});

test('the server dying fails pending calls with its status and last stderr lines', async () => {
  const db = await Revstore.spawn({ memory: true, binary, args: ['--log-level', 'info'] });
  await db.ping();
  process.kill(db.pid, 'SIGKILL');
  const error = await db.ping().then(() => sleep(200)).then(() => db.ping()).catch((e) => e);
  assert.ok(error instanceof ServerExitedError, String(error));
  assert.equal(error.signal, 'SIGKILL');
  assert.ok(error.stderrTail.some((line) => line.includes('serving on stdio')));
  await db.close();
});

test('a host that is killed leaves no server behind', async () => {
  const host = spawn(process.execPath, ['--input-type=module', '-e', `
    import { Revstore } from ${JSON.stringify(new URL('../src/index.js', import.meta.url).href)};
    const db = await Revstore.spawn({ memory: true, binary: ${JSON.stringify(binary)} });
    await db.ping();
    console.log(db.pid);
    setTimeout(() => {}, 60000);
  `], { stdio: ['ignore', 'pipe', 'inherit'] });
  const pid = Number(await new Promise((resolve) => host.stdout.once('data', (chunk) => resolve(String(chunk).trim()))));
  assert.ok(alive(pid));
  host.kill('SIGKILL');
  for (let i = 0; i < 60 && alive(pid); i++) await sleep(50);
  assert.equal(alive(pid), false);
});

test('stderr is drained: a chatty server never blocks', async (t) => {
  const lines = [];
  const db = await Revstore.spawn({ memory: true, binary, args: ['--log-level', 'trace'], onStderr: (line) => lines.push(line) });
  t.after(() => db.close());
  for (let i = 0; i < 2000; i++) await db.call('nope/' + i).catch(() => {});
  assert.ok(lines.length > 0);
  await assert.rejects(db.sessionGet({ session: 'x' }), NotFoundError);
});

test('shared: hosts on one file are served by one server, which is gone after the last closes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'revstore-'));
  const path = join(dir, 'state.sqlite');
  const first = await Revstore.spawn({ db: path, shared: true, binary });
  const second = await Revstore.spawn({ db: path, shared: true, binary });
  await first.call('session/create', { session: 'a' });
  const listed = await second.call('session/list', {});
  assert.deepEqual(listed.sessions.map((s) => s.session), ['a']);
  const holders = holdersOf(path);
  assert.equal(holders.length, 1);
  assert.ok(!holders.includes(first.pid) && !holders.includes(second.pid));
  assert.equal(await first.close(), 0);
  await second.call('session/create', { session: 'b' });
  assert.equal(await second.close(), 0);
  assert.deepEqual(holdersOf(path), []);
  assert.equal(existsSync(`${path}-wal`), false);
});

/** The processes that have `path` open. */
function holdersOf(path) {
  const found = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (readdirSync(`/proc/${pid}/fd`).some((fd) => readlinkSync(`/proc/${pid}/fd/${fd}`) === path)) found.push(Number(pid));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}
