/**
 * Earth Mover's (Wasserstein-1) distances between two sample sets.
 *
 * - emdExact: equal-size sets; the mean euclidean cost of the optimal
 *   one-to-one matching, which is W1 between the two empirical measures
 *   (a transport problem with uniform weights has a permutation optimum,
 *   Birkhoff-von Neumann). Matches scipy.optimize.linear_sum_assignment on
 *   the euclidean cost matrix. O(n^3) time, O(n^2) memory.
 * - wasserstein1d: exact W1 of two 1-D samples of any sizes, the integral
 *   of |F - G| between the empirical CDFs (scipy.stats.wasserstein_distance).
 * - slicedWasserstein: the mean over `projections` random unit directions
 *   of the 1-D W1 of the projected samples (Rabin et al. 2011); a cheap
 *   proxy for large sets, in the same units as W1 and never above it.
 */
import type { Rng } from '../util/rng.js';
import { UserRangeError, describe } from '../util/errors.js';
import { checkMatrix, checkSameDim, type Matrix } from './features.js';

/** Largest n for which emdExact runs by default (O(n^3)). */
export const EMD_MAX_EXACT = 2048;

/**
 * Minimum-cost perfect matching of a square `[n, n]` float64 cost matrix
 * by shortest augmenting paths with dual potentials (Kuhn-Munkres in its
 * O(n^3) form). Returns `[n]` the column matched to each row.
 */
export function linearSumAssignment(cost: Float64Array, n: number): Int32Array {
  const INF = Infinity;
  // 1-based arrays; index 0 is the virtual source of each augmentation.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(n + 1);
  const p = new Int32Array(n + 1); // p[col] = row matched to col
  const way = new Int32Array(n + 1);
  const minv = new Float64Array(n + 1);
  const used = new Uint8Array(n + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(INF);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0]!;
      const row = (i0 - 1) * n;
      let delta = INF;
      let j1 = 0;
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue;
        const cur = cost[row + j - 1]! - u[i0]! - v[j]!;
        if (cur < minv[j]!) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= n; j++) {
        if (used[j]) {
          u[p[j]!] = u[p[j]!]! + delta;
          v[j] = v[j]! - delta;
        } else {
          minv[j] = minv[j]! - delta;
        }
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  const match = new Int32Array(n);
  for (let j = 1; j <= n; j++) match[p[j]! - 1] = j - 1;
  return match;
}

export interface EmdOptions {
  /** Refuse exact matching above this many samples; default 2048. */
  maxExact?: number;
}

/** Exact EMD of equal-size real `[n, d]` and fake `[n, d]`, float64. */
export function emdExact(
  real: Matrix,
  fake: Matrix,
  opts: EmdOptions = {},
): number {
  const where = 'emd';
  checkMatrix(where, 'real samples', real);
  checkMatrix(where, 'fake samples', fake);
  checkSameDim(where, real, fake);
  const [n, d] = real.shape;
  if (fake.shape[0] !== n) {
    throw new UserRangeError(
      `${where}: fake samples must be as many as the real ones (${n}) for ` +
        `the exact matching, but got ${fake.shape[0]}`,
      'use equal sample counts, or the sliced distance (swd)',
    );
  }
  const maxExact = opts.maxExact ?? EMD_MAX_EXACT;
  if (n > maxExact) {
    throw new UserRangeError(
      `${where}: samples must be at most ${maxExact} for the exact ` +
        `matching (O(n^3)), but got ${n}`,
      'use the sliced distance (swd) for large sets',
    );
  }
  const cost = new Float64Array(n * n);
  const x = real.data;
  const y = fake.data;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < d; p++) {
        const t = x[i * d + p]! - y[j * d + p]!;
        s += t * t;
      }
      cost[i * n + j] = Math.sqrt(s);
    }
  }
  const match = linearSumAssignment(cost, n);
  let total = 0;
  for (let i = 0; i < n; i++) total += cost[i * n + match[i]!]!;
  return total / n;
}

/** Exact W1 between 1-D samples `u` `[n]` and `v` `[m]` (n, m >= 1). */
export function wasserstein1d(
  u: ArrayLike<number>,
  v: ArrayLike<number>,
): number {
  if (u.length === 0 || v.length === 0) {
    throw new UserRangeError(
      `wasserstein1d: samples must be non-empty, but got ` +
        `${u.length} and ${v.length} values`,
    );
  }
  const a = Float64Array.from(u).sort();
  const b = Float64Array.from(v).sort();
  const n = a.length;
  const m = b.length;
  // Walk the merged sorted values; between consecutive values the CDFs
  // are constant, so the integral is a sum of rectangles.
  let i = 0;
  let j = 0;
  let prev = Math.min(a[0]!, b[0]!);
  let total = 0;
  while (i < n || j < m) {
    const next =
      j >= m || (i < n && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    total += Math.abs(i / n - j / m) * (next - prev);
    prev = next;
    while (i < n && a[i] === next) i++;
    while (j < m && b[j] === next) j++;
  }
  return total;
}

export interface SwdOptions {
  /** Number of random directions; default 128. */
  projections?: number;
}

/** Sliced W1 of real `[n, d]` and fake `[m, d]` (any sizes). */
export function slicedWasserstein(
  real: Matrix,
  fake: Matrix,
  rng: Rng,
  opts: SwdOptions = {},
): number {
  const where = 'swd';
  checkMatrix(where, 'real samples', real);
  checkMatrix(where, 'fake samples', fake);
  checkSameDim(where, real, fake);
  const L = opts.projections ?? 128;
  if (!(Number.isInteger(L) && L >= 1)) {
    throw new UserRangeError(
      `${where}: projections must be an integer >= 1, but got ${describe(L)}`,
    );
  }
  const [n, d] = real.shape;
  const m = fake.shape[0];
  // In 1-D every direction is the same: the exact W1.
  if (d === 1) return wasserstein1d(real.data, fake.data);
  const pu = new Float64Array(n);
  const pv = new Float64Array(m);
  const dir = new Float64Array(d);
  let total = 0;
  for (let l = 0; l < L; l++) {
    let norm = 0;
    for (let p = 0; p < d; p++) {
      dir[p] = rng.normal();
      norm += dir[p]! * dir[p]!;
    }
    norm = Math.sqrt(norm);
    for (let p = 0; p < d; p++) dir[p] = dir[p]! / norm;
    project(real.data, n, d, dir, pu);
    project(fake.data, m, d, dir, pv);
    total += wasserstein1d(pu, pv);
  }
  return total / L;
}

function project(
  x: Float32Array,
  n: number,
  d: number,
  dir: Float64Array,
  out: Float64Array,
): void {
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let p = 0; p < d; p++) s += x[i * d + p]! * dir[p]!;
    out[i] = s;
  }
}

/**
 * EMD as the CLI reports it: exact W1 in 1-D; the exact matching for equal
 * sizes up to maxExact; otherwise the exact matching of equal-size random
 * subsets of min(n, m, maxExact) samples, with a warning.
 */
export function emd(
  real: Matrix,
  fake: Matrix,
  rng: Rng,
  opts: EmdOptions = {},
): { emd: number; warnings: string[] } {
  checkMatrix('emd', 'real samples', real);
  checkMatrix('emd', 'fake samples', fake);
  checkSameDim('emd', real, fake);
  const [n, d] = real.shape;
  const m = fake.shape[0];
  if (d === 1) return { emd: wasserstein1d(real.data, fake.data), warnings: [] };
  const maxExact = opts.maxExact ?? EMD_MAX_EXACT;
  if (n === m && n <= maxExact) {
    return { emd: emdExact(real, fake, opts), warnings: [] };
  }
  const k = Math.min(n, m, maxExact);
  const pick = (x: Matrix, count: number): Matrix => {
    const idx = rng.permutation(count).subarray(0, k);
    const out = new Float32Array(k * d);
    idx.forEach((r, i) => out.set(x.data.subarray(r * d, (r + 1) * d), i * d));
    return { data: out, shape: [k, d] };
  };
  return {
    emd: emdExact(pick(real, n), pick(fake, m), opts),
    warnings: [
      `emd: matched random subsets of ${k} samples (real ${n}, fake ${m}); ` +
        'the exact matching needs equal sizes of at most ' +
        `${maxExact}`,
    ],
  };
}
