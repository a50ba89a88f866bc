// The bilinear resize against PyTorch 1.13's own interpolation weights
// (scripts/fixtures/features_resize.py reads them off F.interpolate).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { readNpz } from '../../src/io/npy.js';
import { initRuntime, PACKAGE_ROOT, tf } from '../../src/runtime/tf.js';
import {
  bilinearMatrix,
  resizeBilinearTorch,
} from '../../src/features/resize.js';

const W = readNpz(
  path.join(PACKAGE_ROOT, 'test/fixtures/features/resize-weights.npz'),
);

for (const n of [23, 299, 301, 307]) {
  test(`bilinear weights [299,${n}] match PyTorch to 1e-7`, () => {
    const want = W[`w${n}`]!.data as Float32Array;
    const got = bilinearMatrix(n, 299);
    assert.equal(got.length, want.length);
    for (let i = 0; i < want.length; i++) {
      const d = Math.abs(got[i]! - want[i]!);
      assert.ok(d <= 1e-7, `[${Math.floor(i / n)},${i % n}]: got ${got[i]}, ` +
        `expected ${want[i]} (PyTorch)`);
    }
  });
}

test('resize [1,2,3,1] -> [1,4,6,1] equals the weight matrices applied ' +
  'per axis', async () => {
  await initRuntime();
  const x = tf.tensor4d([0, 1, 2, 3, 4, 5], [1, 2, 3, 1]);
  const got = resizeBilinearTorch(x, 4, 6).dataSync();
  const rh = bilinearMatrix(2, 4);
  const rw = bilinearMatrix(3, 6);
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 6; j++) {
      let e = 0;
      for (let a = 0; a < 2; a++) {
        for (let b = 0; b < 3; b++) e += rh[i * 2 + a]! * rw[j * 3 + b]! *
          (a * 3 + b);
      }
      assert.ok(Math.abs(got[i * 6 + j]! - e) < 1e-6,
        `[${i},${j}]: got ${got[i * 6 + j]}, expected ${e}`);
    }
  }
  x.dispose();
});
