import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NotFoundError, ConflictError, ShuttingDownError, InvalidParamsError } from '../src/index.js';
import { withServer } from './helpers.js';

test('sessions', (t) => withServer(t, async (db) => {
  assert.equal((await db.sessionCreate({ session: 'a', metadata: { k: 1 } })).version, 1);
  await db.sessionCreate({ session: 'b' });
  assert.equal((await db.sessionGet({ session: 'a' })).defaultBranch, 'main');
  assert.deepEqual((await db.sessionList({ limit: 1 })).sessions.map((s) => s.session), ['a']);
  await db.branchCreate({ session: 'a', name: 'alt' });
  assert.equal((await db.sessionCheckout({ session: 'a', branch: 'alt' })).defaultBranch, 'alt');
  await db.sessionDelete({ session: 'b' });
  await assert.rejects(db.sessionGet({ session: 'b' }), (e) => e instanceof NotFoundError && e.kind === 'session');
}));

test('writes and reads', (t) => withServer(t, async (db) => {
  await db.sessionCreate({ session: 's' });
  const put = await db.entityPut({ session: 's', type: 'User', id: 'u1', data: { name: 'John', age: 30 }, actor: 'alice' });
  assert.equal(put.version, 2);
  assert.equal(put.entity.createdBy, 'alice');
  assert.deepEqual((await db.entityPatch({ session: 's', type: 'User', id: 'u1', patch: { age: 31 } })).entity.data, { name: 'John', age: 31 });
  assert.equal((await db.entityGet({ session: 's', type: 'User', id: 'u1', at: 2 })).entity.data.age, 30);
  const fork = await db.entityFork({ session: 's', type: 'User', id: 'u1', newId: 'u1b' });
  assert.equal(fork.entity.lineageId, put.entity.lineageId);
  assert.ok((await db.entityDelete({ session: 's', type: 'User', id: 'u1' })).entity.deleted);
  assert.equal((await db.entityRestore({ session: 's', type: 'User', id: 'u1' })).entity.data.age, 31);
  const commit = await db.commit({ session: 's', ops: [{ op: 'put', type: 'User', id: 'u2', data: { age: 25 } }] });
  assert.equal(commit.changes[0].change, 'created');
  const query = await db.entityQuery({ session: 's', type: 'User', where: { age: { gt: 26 } }, orderBy: ['$id'], count: true });
  assert.deepEqual(query.entities.map((e) => e.id), ['u1', 'u1b']);
  assert.equal(query.total, 2);
  const history = (await db.entityHistory({ session: 's', type: 'User', id: 'u1' })).versions;
  assert.deepEqual(history.map((e) => e.version), [4, 3, 2, 1]);
  assert.equal((await db.entityLineage({ session: 's', type: 'User', id: 'u1b' })).lineageId, put.entity.lineageId);
  assert.deepEqual((await db.entityVersion({ session: 's', versionId: history[3].versionId })).entity.data, { name: 'John', age: 30 });
}));

test('versions, review, tags', (t) => withServer(t, async (db) => {
  await db.sessionCreate({ session: 's' });
  for (let n = 0; n < 3; n++) await db.entityPut({ session: 's', type: 'Doc', id: 'd', data: { n } });
  assert.deepEqual((await db.versionList({ session: 's' })).versions.map((v) => v.version), [4, 3, 2, 1]);
  assert.equal((await db.versionGet({ session: 's', version: 3 })).changes[0].id, 'd');
  const diff = (await db.versionDiff({ session: 's', from: { at: 2 }, to: { at: 4 } })).changes;
  assert.deepEqual(diff[0].patch, [{ op: 'replace', path: '/n', value: 2 }]);
  assert.equal((await db.versionRollback({ session: 's', to: 2 })).version, 5);
  await assert.rejects(db.versionRevert({ session: 's', version: 3 }), ConflictError);
  assert.equal((await db.versionRevert({ session: 's', version: 5 })).version, 6);
  assert.equal((await db.versionSubmit({ session: 's', version: 2 })).review.status, 'submitted');
  assert.equal((await db.versionReview({ session: 's', version: 2, decision: 'approved' })).review.status, 'approved');
  assert.equal((await db.entityGet({ session: 's', type: 'Doc', id: 'd', at: 'approved' })).version, 2);
  assert.equal((await db.tagSet({ session: 's', name: 'v1', at: 3 })).version, 3);
  assert.deepEqual((await db.tagList({ session: 's' })).tags.map((tag) => tag.name), ['v1']);
  await db.tagDelete({ session: 's', name: 'v1' });
}));

test('branches, turns, types, store, feed, shutdown', (t) => withServer(t, async (db) => {
  await db.sessionCreate({ session: 's' });
  await db.entityPut({ session: 's', type: 'Doc', id: 'd', data: { title: 't', body: 'b' } });
  assert.equal((await db.branchCreate({ session: 's', name: 'alt' })).base.branch, 'main');
  assert.equal((await db.branchGet({ session: 's', name: 'alt' })).head, 2);
  await db.entityPatch({ session: 's', branch: 'alt', type: 'Doc', id: 'd', patch: { body: 'alt' } });
  assert.deepEqual((await db.branchMerge({ session: 's', source: 'alt' })).conflicts, []);
  assert.deepEqual((await db.branchList({ session: 's' })).branches.map((b) => b.name), ['alt', 'main']);
  await db.branchDelete({ session: 's', name: 'alt' });
  const turn = await db.turnBegin({ session: 's', message: 't1' });
  await db.entityPut({ session: 's', type: 'Doc', id: 'x', data: {}, turn: turn.turn });
  assert.equal((await db.turnGet({ turn: turn.turn })).stagedOps, 1);
  assert.equal((await db.turnList({ session: 's', status: 'staged' })).turns.length, 1);
  assert.ok((await db.turnCommit({ turn: turn.turn })).created);
  const other = await db.turnBegin({ session: 's' });
  assert.equal((await db.turnAbort({ turn: other.turn })).status, 'reverted');
  assert.equal((await db.typeDefine({ name: 'Note', fields: { text: { type: 'string', required: true } } })).revision, 1);
  assert.equal((await db.typeGet({ name: 'Note' })).fields.text.required, true);
  assert.equal((await db.typeList()).types.length, 1);
  assert.ok((await db.sessionCompact({ session: 's', keepLast: 1, dryRun: true })).removedVersions > 0);
  assert.equal((await db.storeStats()).sessions, 1);
  assert.ok('bytesAfter' in (await db.storeVacuum()));
  const feed = await db.feedRead({ session: 's' });
  assert.equal(feed.events[0].kind, 'sessionCreated');
  await db.shutdown();
  await assert.rejects(db.ping(), ShuttingDownError);
}));

test('create ops, queries across branches, copies, purges, compaction that keeps chosen versions', (t) => withServer(t, async (db) => {
  await db.sessionCreate({ session: 's' });
  await db.commit({ session: 's', ops: [{ op: 'create', type: 'Log', id: 'a', data: { n: 1 } }] });
  const again = await db.commit({ session: 's', ops: [{ op: 'create', type: 'Log', id: 'a', data: { n: 2 } }] });
  assert.equal(again.created, false);
  await db.branchCreate({ session: 's', name: 'alt', from: { at: 2 } });
  await db.entityPut({ session: 's', branch: 'alt', type: 'Log', id: 'b', data: { n: 3 } });
  const found = await db.entityQuery({ session: 's', type: 'Log', allBranches: true, orderBy: ['$id'] });
  assert.deepEqual(found.entities.map((e) => [e.id, e.branch, e.data.n]), [['a', 'main', 1], ['b', 'alt', 3]]);
  assert.equal((await db.sessionCopy({ session: 's', to: 't' })).session, 't');
  assert.deepEqual(await db.entityPurge({ session: 's', entities: [{ type: 'Log', id: 'a' }] }), { removedEntities: 1, removedEntityVersions: 1 });
  assert.equal((await db.entityGet({ session: 's', type: 'Log', id: 'a', at: 2 })).entity, null);
  assert.deepEqual((await db.entityGet({ session: 't', type: 'Log', id: 'a', at: 2 })).entity.data, { n: 1 });
  for (const n of [0, 1, 2]) await db.entityPut({ session: 't', type: 'Log', id: 'c', data: { n } });
  assert.equal((await db.sessionCompact({ session: 't', keep: [{ at: 3 }] })).removedVersions, 2);
  assert.deepEqual((await db.entityGet({ session: 't', type: 'Log', id: 'c', at: 3 })).entity.data, { n: 0 });
}));

test('bytes go out from a Buffer or Uint8Array and come back as a Buffer', (t) => withServer(t, async (db) => {
  await db.sessionCreate({ session: 's' });
  const picture = Buffer.from(Array.from({ length: 600 }, (_, n) => n % 256));
  const data = { picture, parts: [new Uint8Array([0, 255]), { inner: picture.subarray(1, 4) }], note: { $bytes: 'x', other: 1 } };
  await db.entityPut({ session: 's', type: 'File', id: 'f', data });
  const { entity } = await db.entityGet({ session: 's', type: 'File', id: 'f' });
  assert.ok(Buffer.isBuffer(entity.data.picture) && entity.data.picture.equals(picture));
  assert.deepEqual(entity.data.parts, [Buffer.from([0, 255]), { inner: Buffer.from([1, 2, 3]) }]);
  assert.deepEqual(entity.data.note, { $bytes: 'x', other: 1 });
  const found = await db.entityQuery({ session: 's', type: 'File', where: { picture } });
  assert.deepEqual(found.entities.map((e) => e.id), ['f']);
  await assert.rejects(db.entityPut({ session: 's', type: 'File', id: 'g', data: { x: { $bytes: 'no' } } }),
    (error) => error instanceof InvalidParamsError && error.data.path === 'data.x');
  assert.equal((await db.storeStats()).blobs, 3);
}));
