// A typed program against the client's declarations: tsc must accept it (and reject misuse).
import { Revstore, NotFoundError, type AbortSignalLike, type Entity, type Event } from '../../index.js';

/** An interface, not a type with an index signature: data may be typed with either. */
interface Note { text: string; tags?: string[] }
declare const signal: AbortSignalLike;
declare function report(...values: unknown[]): void;

async function tour(): Promise<void> {
  const db = await Revstore.spawn({ memory: true });
  const s = await db.session('chat-1', { create: true });
  const user: Entity = await s.put('User', { name: 'John', age: 30 }, { id: 'u1' });
  const appended: Entity = await s.patch('Chat', 'c1', [{ op: 'add', path: '/messages/-', value: { role: 'user', text: 'hi' } }]);
  const merged: Entity = await s.patch('User', 'u1', { age: 31 });
  void appended; void merged;
  const version: number = user.updatedAtVersion;
  const old: Entity | null = await s.get('User', 'u1', { at: 2 });
  const { commit } = await s.turn(async (t) => {
    await t.put('Message', { text: 'hi' });
    return 1;
  }, { message: 'turn 1' });
  const created: boolean = commit.created;
  const page = await db.entityQuery({ session: 'chat-1', type: 'User', where: { age: { gt: 25 } }, orderBy: ['-age'], limit: 10 });
  const ids: string[] = page.entities.map((e) => e.id);
  for await (const event of db.subscribe({ session: 'chat-1', since: 0 })) {
    const e: Event = event;
    if (e.kind === 'committed') break;
  }
  try {
    await db.sessionGet({ session: 'nope' });
  } catch (error) {
    if (error instanceof NotFoundError) report(error.kind, error.code, version, old, created, ids);
  }
  const note: Entity<Note> = await s.put('Note', { text: 'typed' } as Note, { id: 'n1' });
  const found = await s.get<Note>('Note', 'n1', { signal });
  const text: string | undefined = found?.data.text;
  const notes: Entity<Note>[] = await s.query<Note>({ type: 'Note' });
  for await (const entity of db.iterEntities<Note>({ session: 'chat-1', type: 'Note' }, { pageSize: 100 })) report(entity.data.tags);
  for await (const info of db.iterSessions()) report(info.session);
  const batch = db.batch();
  const stats = batch.storeStats();
  const got = batch.entityGet({ session: 'chat-1', type: 'Note', id: 'n1' });
  await batch.send();
  report(note, text, notes, await stats, (await got).entity);
  // @ts-expect-error: data must be an object
  await s.put('Note', 'not an object');
  // @ts-expect-error: decision must be approved or rejected
  await db.versionReview({ session: 'chat-1', version: 2, decision: 'maybe' });
  await db.close();
}
void tour;
