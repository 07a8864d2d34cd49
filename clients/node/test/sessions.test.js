import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NotFoundError } from '../src/index.js';
import { withServer } from './helpers.js';

test('session objects', (t) => withServer(t, async (db) => {
  const s = await db.session('chat-1', { create: true });
  assert.equal((await db.session('chat-1', { create: true })).name, 'chat-1');
  assert.equal((await s.put('User', { name: 'John', age: 30 }, { id: 'u1' })).version, 1);
  await s.patch('User', 'u1', { age: 31 });
  assert.equal((await s.get('User', 'u1', { at: 2 })).data.age, 30);
  await s.put('User', { name: 'Jane' }, { id: 'u2' });
  const diff = await s.diff(2, 4);
  assert.deepEqual(diff.map((d) => [d.id, d.change]), [['u1', 'modified'], ['u2', 'added']]);
  const alt = await s.createBranch('alt', { fromAt: 2 });
  await alt.put('User', { name: 'Alt' }, { id: 'u3' });
  assert.deepEqual((await alt.query({ type: 'User' })).map((e) => e.id), ['u1', 'u3']);
  assert.deepEqual((await s.query({ type: 'User' })).map((e) => e.id), ['u1', 'u2']);
  await assert.rejects(db.session('nope'), NotFoundError);
  await assert.rejects(db.session(), { name: 'TypeError', message: /create: true/ });
  assert.match((await db.session(undefined, { create: true })).name, /^[0-9a-f-]{36}$/);
}));

test('s.turn commits when the work resolves and aborts when it throws', (t) => withServer(t, async (db) => {
  const s = await db.session('s', { create: true });
  const { value, commit } = await s.turn(async (turn) => {
    for (let n = 0; n < 5; n++) await turn.put('Msg', { n }, { id: `m${n}` });
    assert.equal((await turn.query({ type: 'Msg' })).length, 5);
    assert.equal((await s.query({ type: 'Msg' })).length, 0);
    return 'done';
  }, { message: 'turn 3', metadata: { step: 3 } });
  assert.equal(value, 'done');
  assert.equal(commit.version, 2);
  const info = await db.versionGet({ session: 's', version: 2 });
  assert.equal(info.message, 'turn 3');
  assert.deepEqual(info.metadata, { step: 3 });
  await assert.rejects(s.turn(async (turn) => {
    await turn.put('Msg', { n: 99 }, { id: 'never' });
    throw new Error('the agent failed');
  }), /the agent failed/);
  assert.equal(await s.get('Msg', 'never'), null);
  assert.equal((await db.turnList({ session: 's', status: 'reverted' })).turns.length, 1);
}));

test('patch with an array of RFC 6902 operations appends, tests and fails whole', (t) => withServer(t, async (db) => {
  const s = await db.session('chat', { create: true });
  await s.put('Chat', { messages: ['hi'], turns: 1 }, { id: 'c' });
  const chat = await s.patch('Chat', 'c', [
    { op: 'test', path: '/turns', value: 1 },
    { op: 'add', path: '/messages/-', value: 'hello' },
    { op: 'replace', path: '/turns', value: 2 },
  ]);
  assert.deepEqual(chat.data, { messages: ['hi', 'hello'], turns: 2 });
  await assert.rejects(s.patch('Chat', 'c', [{ op: 'test', path: '/turns', value: 1 }]), (error) => {
    assert.equal(error.data.reason, 'CONFLICT');
    assert.equal(error.data.actual, 2);
    return true;
  });
  await assert.rejects(s.patch('Chat', 'c', [{ op: 'remove', path: '/nope' }]), (error) => error.data.path === 'jsonPatch.0.path');
  assert.equal((await s.get('Chat', 'c')).data.turns, 2);
}));
