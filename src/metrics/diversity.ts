/**
 * Sample diversity of the generated set, relative to the real one.
 *
 *   duplicates    = (1/M) #{j : min_{j' != j} d(Y_j, Y_j') < tau},
 *                   tau = dupFraction * median_i min_{i' != i} d(X_i, X_i')
 *   pairwiseRatio = mean_{j < j'} d(Y_j, Y_j') / mean_{i < i'} d(X_i, X_i')
 *
 * X real (N), Y fake (M), euclidean distances. The threshold scales with
 * the real data's own nearest-neighbour spacing, so it needs no unit; it
 * assumes the two sets have similar sizes, since that spacing shrinks as a
 * set grows. Mean distances use every pair up to 2000 samples and 200,000
 * random pairs above (a standard error well under 1%).
 */
import type { Rng } from '../util/rng.js';
import { knnRadii } from '../linalg/index.js';
import { UserRangeError, describe } from '../util/errors.js';
import { checkMatrix, checkSameDim, type Matrix } from './features.js';

export interface DiversityOptions {
  /** Duplicate radius as a fraction of the real NN spacing; default 0.1. */
  dupFraction?: number;
}

export interface DiversityResult {
  duplicates: number;
  pairwiseRatio: number;
  /** The duplicate radius tau used. */
  threshold: number;
}

const EXACT_PAIRS_MAX = 2000;
const SAMPLED_PAIRS = 200000;

function meanPairwise(x: Matrix, rng: Rng): number {
  const [n, d] = x.shape;
  const a = x.data;
  const dist = (i: number, j: number) => {
    let s = 0;
    for (let p = 0; p < d; p++) {
      const t = a[i * d + p]! - a[j * d + p]!;
      s += t * t;
    }
    return Math.sqrt(s);
  };
  let total = 0;
  let count = 0;
  if (n <= EXACT_PAIRS_MAX) {
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) total += dist(i, j);
    }
    count = (n * (n - 1)) / 2;
  } else {
    for (let s = 0; s < SAMPLED_PAIRS; s++) {
      const i = rng.int(n);
      let j = rng.int(n - 1);
      if (j >= i) j++;
      total += dist(i, j);
    }
    count = SAMPLED_PAIRS;
  }
  return total / count;
}

/** Diversity of fake `[M, d]` against real `[N, d]` (N, M >= 2). */
export function diversity(
  real: Matrix,
  fake: Matrix,
  rng: Rng,
  opts: DiversityOptions = {},
): DiversityResult {
  const where = 'dup';
  checkMatrix(where, 'real samples', real, 2);
  checkMatrix(where, 'fake samples', fake, 2);
  checkSameDim(where, real, fake);
  const frac = opts.dupFraction ?? 0.1;
  if (!(Number.isFinite(frac) && frac > 0)) {
    throw new UserRangeError(
      `${where}: dupFraction must be a number > 0, but got ${describe(frac)}`,
    );
  }
  const [n, d] = real.shape;
  const m = fake.shape[0];
  const realNn = Float64Array.from(knnRadii(real.data, n, d, 1)).sort();
  const median = n % 2
    ? realNn[(n - 1) / 2]!
    : (realNn[n / 2 - 1]! + realNn[n / 2]!) / 2;
  const threshold = frac * median;
  const fakeNn = knnRadii(fake.data, m, d, 1);
  let dups = 0;
  for (let j = 0; j < m; j++) if (fakeNn[j]! < threshold) dups++;
  // Exact duplicates in the real data make the median 0; then only exact
  // fake duplicates could count, and none does under the strict `<`.
  const realMean = meanPairwise(real, rng);
  const fakeMean = meanPairwise(fake, rng);
  return {
    duplicates: dups / m,
    pairwiseRatio: realMean > 0 ? fakeMean / realMean : NaN,
    threshold,
  };
}
