// The README's library example runs as written (against this build).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)), '../..');

test('README: the "As a library" example runs and leaves its tensors ' +
  'accounted for', () => {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.split('## As a library')[1];
  assert.ok(section, 'README has an "As a library" section');
  const code = /```js\n([\s\S]*?)```/.exec(section!)?.[1];
  assert.ok(code, 'the section has a js block');
  const index = path.join(root, 'dist', 'src', 'index.js');
  const script =
    code!.replace("from 'modescope'", `from ${JSON.stringify(index)}`) +
    '\nconsole.log(JSON.stringify({ backend: tf.getBackend(), ' +
    'tensors: tf.memory().numTensors, ' +
    'finite: Number.isFinite(tf.sum(theta).dataSync()[0]) }));\n';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modescope-readme-'));
  const file = path.join(dir, 'ex.mjs');
  fs.writeFileSync(file, script);
  const r = spawnSync(process.execPath, [file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.equal(out.finite, true);
  // theta, m, v and x (counted before the sum): nothing from the 100
  // steps is left.
  assert.equal(out.tensors, 4);
});
