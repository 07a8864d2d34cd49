import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { Revstore } from '../src/index.js';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** `REVSTORE_BIN`, else the debug build. */
export const binary = process.env.REVSTORE_BIN
  || join(execFileSync('swift', ['build', '--show-bin-path'], { cwd: root, encoding: 'utf8' }).trim(), 'revstore');

/** A fresh in-memory server for one test, closed afterwards. */
export async function withServer(test, work) {
  const db = await Revstore.spawn({ memory: true, binary });
  test.after(() => db.close());
  return work(db);
}

export function alive(pid) {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = execFileSync('cat', [`/proc/${pid}/stat`], { encoding: 'utf8' });
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] !== 'Z';
  } catch {
    return false;
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
