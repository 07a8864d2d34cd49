import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withServer, sleep } from './helpers.js';

test('for await receives events; break unsubscribes', (t) => withServer(t, async (db) => {
  const s = await db.session('s', { create: true });
  const received = [];
  const subscription = db.subscribe({ session: 's', kinds: ['committed'] });
  const listening = (async () => {
    for await (const event of subscription) {
      received.push(event.changes[0].id);
      if (received.length === 3) break;
    }
  })();
  await subscription.start();
  for (let n = 0; n < 3; n++) await s.put('T', { n }, { id: `t${n}` });
  await listening;
  assert.deepEqual(received, ['t0', 't1', 't2']);
  await assert.rejects(db.call('unsubscribe', { subscription: subscription.id }), /subscription/);
}));

test('since replays missed events, then live ones, with nothing lost between reads', (t) => withServer(t, async (db) => {
  const s = await db.session('s', { create: true });
  for (let n = 0; n < 5; n++) await s.put('T', { n }, { id: `t${n}` });
  const feed = await db.feedRead({ session: 's' });
  const since = feed.events[2].cursor;
  const seen = [];
  const subscription = s.subscribe({ since });
  for await (const event of subscription) {
    seen.push(event.cursor);
    if (event.cursor === feed.cursor) {
      for (let n = 5; n < 15; n++) await s.put('T', { n }, { id: `t${n}` });
      await sleep(50);
    }
    if (seen.length === feed.events.length - 3 + 10) break;
  }
  assert.deepEqual(seen, [...seen].sort((a, b) => a - b));
  assert.equal(seen[0], feed.events[3].cursor);
  assert.equal(new Set(seen).size, seen.length);
  assert.equal(subscription.cursor, seen.at(-1));
}));

test('a subscription starts when made: subscribe, write, then iterate, and the event is there', (t) => withServer(t, async (db) => {
  const s = await db.session('s', { create: true });
  const subscription = db.subscribe({ session: 's', kinds: ['committed'] });
  await s.put('T', { n: 1 }, { id: 'first' });
  for await (const event of subscription) {
    assert.equal(event.changes[0].id, 'first');
    break;
  }
}));

test('an aborted signal unsubscribes', (t) => withServer(t, async (db) => {
  const s = await db.session('s', { create: true });
  const controller = new AbortController();
  const subscription = s.subscribe({ kinds: ['committed'], signal: controller.signal });
  await subscription.start();
  const received = [];
  const listening = (async () => { for await (const event of subscription) received.push(event); })();
  controller.abort();
  await listening;
  await s.put('T', { n: 1 }, { id: 'after' });
  assert.deepEqual(received, []);
  await assert.rejects(db.call('unsubscribe', { subscription: subscription.id }), /subscription/);
}));
