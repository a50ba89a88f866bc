// Shared by the nn and gan loss/penalty tests: fixture loading (written by
// scripts/fixtures/nn_fixtures.py from PyTorch 1.13, float64 references
// stored as float32) and a float32 comparison that names the failing index.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { readNpz, toFloat32 } from '../../src/io/npy.js';
import { PACKAGE_ROOT, tf } from '../../src/runtime/tf.js';

const DIR = path.join(PACKAGE_ROOT, 'test/fixtures/nn');

/** A fixture archive whose arrays come back as tensors by name. */
export function fixture(name: string): {
  t: (key: string) => tf.Tensor;
  arr: (key: string) => Float32Array;
  shape: (key: string) => number[];
} {
  const z = readNpz(path.join(DIR, name));
  const get = (key: string) => {
    const a = z[key];
    if (a === undefined) throw new Error(`${name}: no array "${key}"`);
    return a;
  };
  return {
    t: (key) => {
      const a = get(key);
      return tf.tensor(toFloat32(a), a.shape.length ? a.shape : []);
    },
    arr: (key) => toFloat32(get(key)),
    shape: (key) => get(key).shape.slice(),
  };
}

/**
 * |actual - expected| <= atol + rtol |expected| elementwise (float32
 * against a float64 reference: defaults atol 1e-5, rtol 1e-4).
 */
export function assertClose(
  actual: tf.Tensor | number,
  expected: tf.Tensor | Float32Array | number,
  what: string,
  tol: { atol?: number; rtol?: number } = {},
): void {
  const { atol = 1e-5, rtol = 1e-4 } = tol;
  const a =
    typeof actual === 'number' ? [actual] : Array.from(actual.dataSync());
  const e =
    typeof expected === 'number'
      ? [expected]
      : Array.from(
          expected instanceof Float32Array ? expected : expected.dataSync(),
        );
  if (typeof actual !== 'number' && !(expected instanceof Float32Array) &&
    typeof expected !== 'number') {
    assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  }
  assert.equal(a.length, e.length, `${what}: size`);
  for (let i = 0; i < a.length; i++) {
    const ok = Math.abs(a[i]! - e[i]!) <= atol + rtol * Math.abs(e[i]!);
    if (!ok) {
      assert.fail(
        `${what}[${i}]: actual ${a[i]}, expected ${e[i]} ` +
          `(atol ${atol}, rtol ${rtol})`,
      );
    }
  }
}
