import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withServer } from './helpers.js';

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
