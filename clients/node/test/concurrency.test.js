import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as revstore from '../src/index.js';
import { binary, withServer } from './helpers.js';

test('many concurrent calls on one connection, matched by id', (t) => withServer(t, async (db) => {
  await db.sessionCreate({ session: 's' });
  const versions = await Promise.all(Array.from({ length: 200 }, (_, n) =>
    db.entityPut({ session: 's', type: 'Item', id: `i${n}`, data: { n } }).then((r) => r.version)));
  assert.deepEqual(versions.sort((a, b) => a - b), Array.from({ length: 200 }, (_, n) => n + 2));
  const totals = await Promise.all(Array.from({ length: 50 }, () => db.entityQuery({ session: 's', type: 'Item', count: true })));
  assert.ok(totals.every((r) => r.total === 200));
  const pings = await Promise.all(Array.from({ length: 1000 }, () => db.ping()));
  assert.equal(pings.length, 1000);
}));

test('stdin backpressure: a burst of large requests all arrive', (t) => withServer(t, async (db) => {
  await db.sessionCreate({ session: 's' });
  const text = 'x'.repeat(200_000);
  const results = await Promise.all(Array.from({ length: 100 }, (_, n) =>
    db.entityPut({ session: 's', type: 'Blob', id: `b${n}`, data: { text } })));
  assert.equal(results.length, 100);
  assert.equal((await db.entityGet({ session: 's', type: 'Blob', id: 'b99' })).entity.data.text.length, 200_000);
}));

test('an aborted signal sends $/cancelRequest and rejects', (t) => withServer(t, async (db) => {
  const controller = new AbortController();
  controller.abort(new Error('not needed any more'));
  await assert.rejects(db.ping({ signal: controller.signal }), /not needed/);
  const later = new AbortController();
  const pending = db.sessionList({}, { signal: later.signal });
  later.abort(new Error('gave up'));
  await assert.rejects(pending, /gave up/);
  assert.deepEqual(await db.ping(), {});
}));

test('a batch answers each call with its own result; a failed call rejects only its own promise', (t) => withServer(t, async (db) => {
  await db.sessionCreate({ session: 's' });
  const batch = db.batch();
  const put = batch.entityPut({ session: 's', type: 'Note', id: 'n1', data: { text: 'a' } });
  const missing = batch.entityGet({ session: 's', type: 'Note', id: 'ghost' });
  const bad = batch.sessionGet({ session: 'nope' });
  const stats = batch.storeStats();
  await batch.send();
  assert.equal((await put).version, 2);
  assert.equal((await missing).entity, null);
  assert.equal((await stats).sessions, 1);
  await assert.rejects(bad, (error) => error instanceof revstore.NotFoundError && error.kind === 'session');
}));

test('pages read everything, all at the version the first page read', (t) => withServer(t, async (db) => {
  await db.sessionCreate({ session: 's' });
  await db.commit({ session: 's', ops: Array.from({ length: 2500 }, (_, n) => ({ op: 'put', type: 'Item', id: `i${String(n).padStart(4, '0')}`, data: { n } })) });
  const seen = [];
  for await (const entity of db.iterEntities({ session: 's', type: 'Item', orderBy: ['$id'] }, { pageSize: 1000 })) {
    seen.push(entity.id);
    if (seen.length === 1500) await db.entityPut({ session: 's', type: 'Item', id: 'a-first', data: { n: -1 } });
  }
  assert.deepEqual(seen, Array.from({ length: 2500 }, (_, n) => `i${String(n).padStart(4, '0')}`));
  for (let n = 0; n < 5; n++) await db.entityPatch({ session: 's', type: 'Item', id: 'i0000', patch: { n: n + 100 } });
  const history = [];
  for await (const version of db.iterHistory({ session: 's', type: 'Item', id: 'i0000' }, { pageSize: 2 })) history.push(version.version);
  assert.deepEqual(history, [6, 5, 4, 3, 2, 1]);
  const versions = [];
  for await (const info of db.iterVersions({ session: 's' }, { pageSize: 3 })) versions.push(info.version);
  assert.deepEqual(versions, [8, 7, 6, 5, 4, 3, 2, 1]);
  for (let n = 0; n < 4; n++) await db.sessionCreate({ session: `t${n}` });
  const sessions = [];
  for await (const info of db.iterSessions({ pageSize: 2 })) sessions.push(info.session);
  assert.deepEqual(sessions, ['s', 't0', 't1', 't2', 't3']);
}));

test('a call after close() says the client was closed', async () => {
  const db = await revstore.Revstore.spawn({ memory: true, binary });
  await db.close();
  await assert.rejects(db.ping(), revstore.ClientClosedError);
});
