import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as revstore from '../src/index.js';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binary, withServer } from './helpers.js';

test('errors are RevstoreError subclasses keyed by data.reason, keeping code, message and data', (t) => withServer(t, async (db) => {
  await db.sessionCreate({ session: 's' });
  const cases = [
    [() => db.sessionGet({ session: 'nope' }), revstore.NotFoundError, (e) => e.kind === 'session' && e.code === -32001],
    [() => db.entityPut({ session: 's', type: 'bad type', data: {} }), revstore.InvalidParamsError, (e) => e.path === 'type'],
    [() => db.call('no/such'), revstore.MethodNotFoundError, (e) => e.code === -32601],
    [() => db.sessionCreate({ session: 's' }), revstore.AlreadyExistsError, (e) => e.code === -32002],
    [() => db.branchDelete({ session: 's', name: 'main' }), revstore.InvalidStateError, (e) => e.reason === 'INVALID_STATE'],
  ];
  for (const [call, ErrorClass, check] of cases) {
    await assert.rejects(call(), (error) => {
      assert.ok(error instanceof ErrorClass, `${error.name}: ${error.message}`);
      assert.ok(error instanceof revstore.RevstoreError);
      assert.ok(check(error), error.message);
      assert.ok(error.message.length > 0);
      return true;
    });
  }
  await db.typeDefine({ name: 'User', fields: { name: { type: 'string', required: true } }, strict: true });
  await assert.rejects(db.entityPut({ session: 's', type: 'User', data: { extra: 1 } }), (error) => {
    assert.ok(error instanceof revstore.ValidationFailedError);
    assert.deepEqual(error.errors.map((e) => e.path).sort(), ['$.extra', '$.name']);
    return true;
  });
  await db.typeDefine({ name: 'Account', fields: { email: { type: 'string', index: 'unique' } } });
  await db.entityPut({ session: 's', type: 'Account', id: 'a', data: { email: 'x@y' } });
  await assert.rejects(db.entityPut({ session: 's', type: 'Account', id: 'b', data: { email: 'x@y' } }),
    (e) => e instanceof revstore.UniqueViolationError && e.code === -32012 && e.field === 'email' && e.value === 'x@y' && e.heldBy === 'a');
  await db.entityPut({ session: 's', type: 'Doc', id: 'd', data: { v: 1 } });
  await assert.rejects(db.entityPut({ session: 's', type: 'Doc', id: 'd', data: {}, ifVersion: 9 }),
    (e) => e instanceof revstore.ConflictError && e.expected === 9 && e.actual === 1);
}));

test('a query cut off part way by a damaged row rejects with StorageError, and the connection goes on', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'revstore-')), 'store.sqlite');
  const writer = await revstore.Revstore.spawn({ db: path, binary });
  await writer.sessionCreate({ session: 's' });
  const ops = Array.from({ length: 200 }, (_, n) => ({ op: 'put', type: 'Chat', id: `c${String(n).padStart(3, '0')}`, data: { body: 'words '.repeat(340) } }));
  await writer.commit({ session: 's', ops });
  await writer.entityPatch({ session: 's', type: 'Chat', id: 'c199', patch: { title: 'last' } });
  await writer.close();
  // The one delta row (c199's last version) no longer applies. Node 20 has no SQLite of its own.
  execFileSync('python3', ['-c', `import sqlite3, sys
with sqlite3.connect(sys.argv[1]) as db:
    db.execute('''UPDATE entity_version SET delta = '[{"op":"remove","path":"/missing"}]' WHERE delta IS NOT NULL''')`, path]);
  const reader = await revstore.Revstore.spawn({ db: path, binary });
  try {
    await assert.rejects(reader.entityQuery({ session: 's', type: 'Chat', orderBy: ['$id'], limit: 1000 }), revstore.StorageError);
    assert.equal((await reader.entityGet({ session: 's', type: 'Chat', id: 'c000' })).entity.id, 'c000');
  } finally {
    await reader.close();
  }
});
