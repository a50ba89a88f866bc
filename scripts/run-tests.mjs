#!/usr/bin/env node
// Runs every compiled test file (dist/test/**/*.test.js) with Node's test
// runner. Node 20's --test does not expand globs, so the files are listed
// here. Pass name fragments to run a subset: `node scripts/run-tests.mjs npy`.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('../dist/test/', import.meta.url).pathname;
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.js')) files.push(p);
  }
})(root);
const filters = process.argv.slice(2);
const chosen = filters.length
  ? files.filter((f) => filters.some((x) => f.includes(x)))
  : files;
const r = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=2', ...chosen],
  // Recycled native buffers are filled with NaN, so that a kernel that
  // does not write all of its output fails its test (src/backend/native/
  // backend.ts).
  {
    stdio: 'inherit',
    env: { MODESCOPE_POOL: 'poison', ...process.env },
  },
);
process.exit(r.status ?? 1);
