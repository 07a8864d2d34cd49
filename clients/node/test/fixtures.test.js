import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { LineSplitter } from '../src/index.js';
import { binary, root } from './helpers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const CHECKS = {
  $any: () => true, $string: (v) => typeof v === 'string', $integer: Number.isInteger, $number: (v) => typeof v === 'number',
  $boolean: (v) => typeof v === 'boolean', $object: (v) => v !== null && typeof v === 'object' && !Array.isArray(v),
  $array: Array.isArray, $uuid: (v) => typeof v === 'string' && UUID.test(v), $timestamp: (v) => typeof v === 'string' && TIMESTAMP.test(v),
};

/** The placeholder matcher of protocol/README.md; the first difference, or null. */
function mismatch(expected, actual, path = '$') {
  if (typeof expected === 'string' && expected in CHECKS) return CHECKS[expected](actual) ? null : `${path}: ${JSON.stringify(actual)} is not ${expected}`;
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length !== actual.length) return `${path}: ${actual.length} elements, expected ${expected.length}`;
    for (let i = 0; i < expected.length; i++) {
      const problem = mismatch(expected[i], actual[i], `${path}[${i}]`);
      if (problem) return problem;
    }
    return null;
  }
  if (expected && actual && typeof expected === 'object' && typeof actual === 'object' && !Array.isArray(expected) && !Array.isArray(actual)) {
    for (const key of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
      if (!(key in expected)) return `${path}.${key}: unexpected member`;
      if (!(key in actual)) return `${path}.${key}: missing`;
      const problem = mismatch(expected[key], actual[key], `${path}.${key}`);
      if (problem) return problem;
    }
    return null;
  }
  return expected === actual ? null : `${path}: ${JSON.stringify(actual)} !== ${JSON.stringify(expected)}`;
}

const directory = join(root, 'protocol', 'fixtures');
for (const name of readdirSync(directory).filter((file) => file.endsWith('.json')).sort()) {
  test(`golden fixture ${name}`, async () => {
    const fixture = JSON.parse(readFileSync(join(directory, name), 'utf8'));
    const child = spawn(binary, fixture.server ?? ['--memory'], { stdio: ['pipe', 'pipe', 'ignore'] });
    const splitter = new LineSplitter();
    const lines = [];
    let wake = null;
    child.stdout.on('data', (chunk) => {
      lines.push(...splitter.push(chunk));
      wake?.();
    });
    const exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
    const next = async () => {
      while (!lines.length) await new Promise((resolve) => { wake = resolve; });
      return JSON.parse(lines.shift());
    };
    try {
      for (const [index, exchange] of fixture.exchanges.entries()) {
        child.stdin.write(('sendRaw' in exchange ? exchange.sendRaw : JSON.stringify(exchange.send)) + '\n');
        const expected = [...(exchange.expect !== null && exchange.expect !== undefined ? [exchange.expect] : []), ...(exchange.then ?? [])];
        for (const message of expected) {
          const problem = mismatch(message, await next());
          assert.equal(problem, null, `exchange ${index}: ${problem}`);
        }
        if ('exits' in exchange) {
          assert.equal(await exited, exchange.exits);
          return;
        }
      }
      child.stdin.write('{"jsonrpc":"2.0","id":424242,"method":"ping"}\n');
      assert.equal((await next()).id, 424242);
    } finally {
      child.kill('SIGKILL');
    }
  });
}
