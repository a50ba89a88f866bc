// Shared helpers of the backend tests: run the same computation on tf.js's
// CPU backend (the reference) and on modescope-native, and compare.
import assert from 'node:assert/strict';
import { initRuntime, tf } from '../../src/runtime/tf.js';
import { Rng } from '../../src/util/rng.js';

export const NATIVE = 'modescope-native';

/** Starts the runtime on the native backend; false when unavailable. */
export async function startNative(): Promise<boolean> {
  try {
    await initRuntime(NATIVE);
    return true;
  } catch {
    return false;
  }
}

export interface Arr {
  shape: number[];
  data: Float32Array;
}

export function rand(rng: Rng, shape: number[], lo = -1, hi = 1): Arr {
  const n = shape.reduce((a, b) => a * b, 1);
  return { shape, data: rng.uniformArray(n, lo, hi) };
}

/**
 * Runs fn on `backend` with inputs made there from `arrs`; returns the
 * outputs' values and shapes. Tensors are disposed.
 */
export function runOn(
  backend: string,
  arrs: Arr[],
  fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
): Arr[] {
  const prev = tf.getBackend();
  tf.setBackend(backend);
  try {
    return tf.tidy(() => {
      const xs = arrs.map((a) => tf.tensor(a.data, a.shape, 'float32'));
      const out = fn(...xs);
      const list = Array.isArray(out) ? out : [out];
      return list.map((t) => ({
        shape: t.shape.slice(),
        data: Float32Array.from(t.dataSync() as Float32Array),
      }));
    });
  } finally {
    tf.setBackend(prev);
  }
}

/**
 * Asserts |actual - expected| <= atol + rtol |expected| elementwise and
 * equal shapes; a failure names the first bad index and both values.
 */
export function assertClose(
  actual: Arr,
  expected: Arr,
  what: string,
  atol = 1e-5,
  rtol = 1e-4,
): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const a = actual.data;
  const e = expected.data;
  for (let i = 0; i < e.length; ++i) {
    const ok = Number.isNaN(e[i]!)
      ? Number.isNaN(a[i]!)
      : Math.abs(a[i]! - e[i]!) <= atol + rtol * Math.abs(e[i]!);
    if (!ok) {
      assert.fail(`${what}: index ${i}: actual ${a[i]}, expected ${e[i]}`);
    }
  }
}

/** fn on modescope-native against fn on cpu, output by output. */
export function compareBackends(
  what: string,
  arrs: Arr[],
  fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
  atol = 1e-5,
  rtol = 1e-4,
): void {
  const want = runOn('cpu', arrs, fn);
  const got = runOn(NATIVE, arrs, fn);
  assert.equal(got.length, want.length, `${what}: output count`);
  got.forEach((g, i) => assertClose(g, want[i]!, `${what} [out ${i}]`,
    atol, rtol));
}
