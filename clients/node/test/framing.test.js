import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineSplitter } from '../src/index.js';

test('lines split on \\n only, with UTF-8 intact across chunks of every size', () => {
  const text = '{"a":"é✓😀"}\n{"b":"lone\rcr"}\n{"c":"sep\u2028para\u2029"}\n\n{"d":1}\n';
  const bytes = Buffer.from(text, 'utf8');
  for (let size = 1; size <= bytes.length; size++) {
    const splitter = new LineSplitter();
    const lines = [];
    for (let start = 0; start < bytes.length; start += size) lines.push(...splitter.push(bytes.subarray(start, start + size)));
    assert.deepEqual(lines, ['{"a":"é✓😀"}', '{"b":"lone\rcr"}', '{"c":"sep\u2028para\u2029"}', '{"d":1}'], `chunk size ${size}`);
  }
});
