import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as revstore from '../src/index.js';
import { withServer } from './helpers.js';

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
    assert.ok(error instanceof revstore.ValidationError);
    assert.deepEqual(error.errors.map((e) => e.path).sort(), ['$.extra', '$.name']);
    return true;
  });
  await db.entityPut({ session: 's', type: 'Doc', id: 'd', data: { v: 1 } });
  await assert.rejects(db.entityPut({ session: 's', type: 'Doc', id: 'd', data: {}, ifVersion: 9 }),
    (e) => e instanceof revstore.ConflictError && e.expected === 9 && e.actual === 1);
}));
