/**
 * The linear algebra behind the metrics, dispatched to the native addon
 * when it is built and to the plain-JS reference otherwise. Callers
 * validate inputs; these functions only check sizes.
 */
import {
  meanCovJs,
  fidProductEigenvaluesJs,
  type FidRoute,
  type MeanCov,
} from './dense.js';
import { eighJs, type EighResult } from './eigh.js';
import { linalgAddon } from './native.js';
import {
  knnRadiiJs,
  prdcCountsJs,
  type PrdcCounts,
} from './neighbours.js';

export type { MeanCov, EighResult, PrdcCounts, FidRoute };
export { linalgAddon };
export { kthSmallest } from './neighbours.js';
export { matmulJs, choleskyJs } from './dense.js';

/** Which implementation runs: 'native' or 'js'. */
export function linalgBackend(): 'native' | 'js' {
  return linalgAddon().addon ? 'native' : 'js';
}

/** Mean `[d]` and N-1 covariance `[d, d]`, float64, of `x` `[n, d]`. */
export function meanCov(x: Float32Array, n: number, d: number): MeanCov {
  const { addon } = linalgAddon();
  if (addon) {
    const [mu, sigma] = addon.meanCov(x, n, d);
    return { mu, sigma };
  }
  return meanCovJs(x, n, d);
}

/** Symmetric eigen-decomposition of `a` `[n, n]` (ascending values). */
export function eigh(
  a: Float64Array,
  n: number,
  opts: { vectors?: boolean } = {},
): EighResult {
  const { addon } = linalgAddon();
  if (addon) {
    const [values, vectors] = addon.eigh(a, n, opts.vectors === true);
    return vectors ? { values, vectors } : { values };
  }
  return eighJs(a, n, opts);
}

/** `[d]` eigenvalues of S1 S2 and the route used; see dense.ts. */
export function fidProductEigenvalues(
  s1: Float64Array,
  s2: Float64Array,
  d: number,
  route: 'auto' | FidRoute = 'auto',
): { values: Float64Array; route: FidRoute } {
  const { addon } = linalgAddon();
  if (addon) {
    const [values, used] = addon.fidProductEigenvalues(s1, s2, d, route);
    return { values, route: used };
  }
  return fidProductEigenvaluesJs(s1, s2, d, route);
}

/** `[n]` distance to the k-th neighbour, self excluded; see neighbours.ts. */
export function knnRadii(
  x: Float32Array,
  n: number,
  d: number,
  k: number,
): Float32Array {
  const { addon } = linalgAddon();
  return addon ? addon.knnRadii(x, n, d, k) : knnRadiiJs(x, n, d, k);
}

/** Ball-membership counts of real `[n, d]` vs fake `[m, d]`. */
export function prdcCounts(
  real: Float32Array,
  n: number,
  fake: Float32Array,
  m: number,
  d: number,
  realRadii: Float32Array,
  fakeRadii: Float32Array,
): PrdcCounts {
  const { addon } = linalgAddon();
  if (addon) {
    const [densityCounts, recallHits, coverageHits] = addon.prdcCounts(
      real, n, fake, m, d, realRadii, fakeRadii,
    );
    return { densityCounts, recallHits, coverageHits };
  }
  return prdcCountsJs(real, n, fake, m, d, realRadii, fakeRadii);
}
