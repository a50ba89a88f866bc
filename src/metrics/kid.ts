/**
 * Kernel Inception Distance (Binkowski et al. 2018, "Demystifying MMD
 * GANs"), as torch-fidelity computes it: the unbiased estimate of MMD^2
 * with the cubic polynomial kernel
 *
 *   k(x, y) = (x . y / d + 1)^3
 *   MMD^2_u = (sum_{i!=j} k(x_i, x_j) + sum_{i!=j} k(y_i, y_j)) / (m (m-1))
 *             - 2 sum_{i,j} k(x_i, y_j) / m^2
 *
 * on `subsets` random pairs of subsets of `subsetSize` samples drawn
 * without replacement, reported as the mean and the population std over
 * the subsets. One subset of the whole sample (equal set sizes) is the
 * deterministic estimate. The estimate is unbiased, so it can be negative.
 */
import type { Rng } from '../util/rng.js';
import { UserRangeError, describe } from '../util/errors.js';
import { checkMatrix, checkSameDim, type Matrix } from './features.js';

export interface KidOptions {
  /** Number of subsets; default 100. */
  subsets?: number;
  /** Samples per subset; default 1000. */
  subsetSize?: number;
}

export interface KidResult {
  mean: number;
  std: number;
  warnings: string[];
}

/**
 * Unbiased MMD^2 between the rows `xi` of `x` and `yi` of `y` (equal
 * counts m >= 2), cubic polynomial kernel, in float64.
 */
export function mmd2Unbiased(
  x: Matrix,
  xi: ArrayLike<number>,
  y: Matrix,
  yi: ArrayLike<number>,
): number {
  const d = x.shape[1];
  const m = xi.length;
  const kern = (a: Float32Array, i: number, b: Float32Array, j: number) => {
    let dot = 0;
    const ai = i * d;
    const bj = j * d;
    for (let p = 0; p < d; p++) dot += a[ai + p]! * b[bj + p]!;
    const t = dot / d + 1;
    return t * t * t;
  };
  let kxx = 0;
  let kyy = 0;
  let kxy = 0;
  for (let a = 0; a < m; a++) {
    for (let b = a + 1; b < m; b++) {
      kxx += kern(x.data, xi[a]!, x.data, xi[b]!);
      kyy += kern(y.data, yi[a]!, y.data, yi[b]!);
    }
    for (let b = 0; b < m; b++) kxy += kern(x.data, xi[a]!, y.data, yi[b]!);
  }
  // Each off-diagonal pair was summed once; the kernel is symmetric.
  return (2 * (kxx + kyy)) / (m * (m - 1)) - (2 * kxy) / (m * m);
}

/** KID between real `[n, d]` and fake `[m, d]` features. */
export function kid(
  real: Matrix,
  fake: Matrix,
  rng: Rng,
  opts: KidOptions = {},
): KidResult {
  const where = 'kid';
  checkMatrix(where, 'real features', real, 2);
  checkMatrix(where, 'fake features', fake, 2);
  checkSameDim(where, real, fake);
  const subsets = opts.subsets ?? 100;
  const size = opts.subsetSize ?? 1000;
  if (!(Number.isInteger(subsets) && subsets >= 1)) {
    throw new UserRangeError(
      `${where}: subsets must be an integer >= 1, but got ${describe(subsets)}`,
    );
  }
  if (!(Number.isInteger(size) && size >= 2)) {
    throw new UserRangeError(
      `${where}: subsetSize must be an integer >= 2, but got ${describe(size)}`,
    );
  }
  const n = real.shape[0];
  const m = fake.shape[0];
  if (size > Math.min(n, m)) {
    throw new UserRangeError(
      `${where}: subsetSize must be at most the number of samples ` +
        `(${n} real, ${m} fake), but got ${size}`,
      `pass --kid-subset-size ${Math.min(n, m)} or fewer, or more samples`,
    );
  }
  const warnings: string[] = [];
  if (size < 1000) {
    warnings.push(
      `kid: subsets of ${size} samples are smaller than the usual 1000; ` +
        'the estimate has a larger variance',
    );
  }
  const scores: number[] = [];
  for (let s = 0; s < subsets; s++) {
    const xi = size === n ? identity(n) : rng.permutation(n).subarray(0, size);
    const yi = size === m ? identity(m) : rng.permutation(m).subarray(0, size);
    scores.push(mmd2Unbiased(real, xi, fake, yi));
  }
  const mean = scores.reduce((a, b) => a + b, 0) / subsets;
  const std = Math.sqrt(
    scores.reduce((a, b) => a + (b - mean) ** 2, 0) / subsets,
  );
  return { mean, std, warnings };
}

function identity(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}
