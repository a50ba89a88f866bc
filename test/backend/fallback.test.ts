// Without the addon, the runtime skips modescope-native with a one-line
// reason and runs on WASM (checked in a child process, where the addon
// path points nowhere).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const script = `
  const { initRuntime } = await import(${JSON.stringify(
    new URL('../../src/runtime/tf.js', import.meta.url).href)});
  const info = await initRuntime();
  process.stdout.write(JSON.stringify(info));
`;

test('addon missing -> wasm, reason says how to build it', () => {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script],
    {
      encoding: 'utf8',
      env: {
        ...process.env,
        MODESCOPE_NATIVE_ADDON: '/nonexistent/modescope_native.node',
        MODESCOPE_BACKEND: '',
      },
    });
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout) as {
    backend: string;
    skipped: { backend: string; reason: string }[];
  };
  assert.equal(info.backend, 'wasm');
  const native = info.skipped.find((s) => s.backend === 'modescope-native');
  assert.deepEqual(native, {
    backend: 'modescope-native',
    reason: 'the native addon is not built (run `npm install` with a C++ ' +
      'compiler present, or `node scripts/build-native.mjs`)',
  });
});
