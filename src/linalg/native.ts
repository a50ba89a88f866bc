/**
 * Loads the optional native addon `modescope_linalg` (native/linalg, built
 * by `node scripts/build-native.mjs` into build/Release). When it is
 * missing, or MODESCOPE_LINALG=js is set, every kernel runs in plain JS
 * with the same semantics: only the speed differs.
 */
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface LinalgAddon {
  meanCov(x: Float32Array, n: number, d: number): [Float64Array, Float64Array];
  eigh(
    a: Float64Array,
    d: number,
    vectors: boolean,
  ): [Float64Array, Float64Array | null];
  fidProductEigenvalues(
    s1: Float64Array,
    s2: Float64Array,
    d: number,
    route: 'auto' | 'cholesky' | 'eigh',
  ): [Float64Array, 'cholesky' | 'eigh'];
  cholesky(a: Float64Array, d: number): Float64Array | null;
  gemmNT(
    a: Float64Array,
    b: Float64Array,
    m: number,
    n: number,
    k: number,
  ): Float64Array;
  /** Threads the kernels use (MODESCOPE_THREADS, else all cores). */
  threads: number;
  knnRadii(x: Float32Array, n: number, d: number, k: number): Float32Array;
  prdcCounts(
    real: Float32Array,
    n: number,
    fake: Float32Array,
    m: number,
    d: number,
    realRadii: Float32Array,
    fakeRadii: Float32Array,
  ): [Int32Array, Uint8Array, Uint8Array];
}

let cached: { addon: LinalgAddon | null; reason: string } | undefined;

/** The addon, or null with the reason it is not used. */
export function linalgAddon(): { addon: LinalgAddon | null; reason: string } {
  if (cached) return cached;
  if (process.env.MODESCOPE_LINALG === 'js') {
    cached = { addon: null, reason: 'MODESCOPE_LINALG=js' };
    return cached;
  }
  // dist/src/linalg/native.js -> the repository root is three levels up.
  const here = path.dirname(fileURLToPath(import.meta.url));
  const root = path.resolve(here, '..', '..', '..');
  const file = path.join(root, 'build', 'Release', 'modescope_linalg.node');
  if (!fs.existsSync(file)) {
    cached = { addon: null, reason: `not built (${file} is missing)` };
    return cached;
  }
  try {
    const addon = createRequire(import.meta.url)(file) as LinalgAddon;
    // An addon from before the Cholesky route lacks `cholesky`.
    cached = typeof addon.cholesky === 'function'
      ? { addon, reason: 'loaded' }
      : { addon: null, reason: 'outdated build: run npm install again' };
  } catch (e) {
    cached = { addon: null, reason: `failed to load: ${(e as Error).message}` };
  }
  return cached;
}
