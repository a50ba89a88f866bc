/** Shared helpers of the metrics tests: fixtures and tolerant compares. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNpy, toFloat32 } from '../../src/io/npy.js';
import type { Matrix } from '../../src/metrics/features.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** test/fixtures/metrics in the source tree (tests run from dist/). */
export const FIXTURES = path.resolve(
  here, '..', '..', '..', 'test', 'fixtures', 'metrics',
);

/** reference.json, written by scripts/fixtures/metrics.py. */
export const REF = JSON.parse(
  fs.readFileSync(path.join(FIXTURES, 'reference.json'), 'utf8'),
) as Record<string, Record<string, number>>;

export function fixtureMatrix(name: string): Matrix {
  const a = readNpy(path.join(FIXTURES, `${name}.npy`));
  const d = a.shape.length === 1 ? 1 : a.shape[1]!;
  return { data: toFloat32(a), shape: [a.shape[0]!, d] };
}

export function fixtureInts(name: string): Int32Array {
  return readNpy(path.join(FIXTURES, `${name}.npy`)).data as Int32Array;
}

/** Asserts |actual - expected| <= rtol |expected| + atol. */
export function close(
  actual: number,
  expected: number,
  rtol: number,
  atol = 0,
  what = 'value',
): void {
  const ok = Math.abs(actual - expected) <= rtol * Math.abs(expected) + atol;
  assert.ok(
    ok,
    `${what}: actual ${actual}, expected ${expected} ` +
      `(rtol ${rtol}, atol ${atol})`,
  );
}

/** Element-wise closeness; reports the first failing index. */
export function allClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rtol: number,
  atol: number,
  what = 'array',
): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (!(Math.abs(a - e) <= rtol * Math.abs(e) + atol)) {
      assert.fail(`${what}[${i}]: actual ${a}, expected ${e}`);
    }
  }
}

/** A seeded Gaussian matrix `[n, d]` from a simple LCG-free source. */
export function gaussian(
  rng: { normal(): number },
  n: number,
  d: number,
  scale = 1,
  shift = 0,
): Matrix {
  const data = new Float32Array(n * d);
  for (let i = 0; i < data.length; i++) data[i] = shift + scale * rng.normal();
  return { data, shape: [n, d] };
}
