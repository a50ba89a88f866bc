/**
 * Dense float64 kernels in plain JS: mean and covariance, matrix product,
 * and the eigenvalues that FID's trace term needs. These are the reference
 * implementations and the fallback when the native addon is missing; the
 * addon (native/linalg) computes the same quantities with BLAS / LAPACK.
 *
 * Dimension legend: n samples, d features.
 */
import { eighJs } from './eigh.js';

export interface MeanCov {
  /** `[d]` float64 mean. */
  mu: Float64Array;
  /** `[d, d]` float64 row-major covariance with the N-1 denominator. */
  sigma: Float64Array;
}

/**
 * Mean and unbiased (N-1) covariance of the rows of `x` `[n, d]`, computed
 * in float64 like numpy.cov on a float64 copy (n >= 2).
 */
export function meanCovJs(
  x: Float32Array | Float64Array,
  n: number,
  d: number,
): MeanCov {
  const mu = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const row = i * d;
    for (let j = 0; j < d; j++) mu[j] = mu[j]! + x[row + j]!;
  }
  for (let j = 0; j < d; j++) mu[j] = mu[j]! / n;
  // Centre first: the one-pass formula E[xx] - mu mu loses digits when
  // the mean is large relative to the spread.
  const sigma = new Float64Array(d * d);
  const c = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const row = i * d;
    for (let j = 0; j < d; j++) c[j] = x[row + j]! - mu[j]!;
    for (let a = 0; a < d; a++) {
      const ca = c[a]!;
      if (ca === 0) continue;
      const off = a * d;
      for (let b = a; b < d; b++) sigma[off + b] = sigma[off + b]! + ca * c[b]!;
    }
  }
  const inv = 1 / (n - 1);
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      const s = sigma[a * d + b]! * inv;
      sigma[a * d + b] = s;
      sigma[b * d + a] = s;
    }
  }
  return { mu, sigma };
}

/** `c[m, n] = a[m, k] . b[k, n]`, all row-major float64. */
export function matmulJs(
  a: Float64Array,
  b: Float64Array,
  m: number,
  k: number,
  n: number,
): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const ci = i * n;
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p]!;
      if (aip === 0) continue;
      const bp = p * n;
      for (let j = 0; j < n; j++) c[ci + j] = c[ci + j]! + aip * b[bp + j]!;
    }
  }
  return c;
}

/**
 * Eigenvalues of sqrt(S1) S2 sqrt(S1), `[d]` ascending, for symmetric
 * PSD `s1`, `s2` `[d, d]` float64.
 *
 * With S1 = V L V^T, sqrt(S1) S2 sqrt(S1) = V (L^1/2 V^T S2 V L^1/2) V^T,
 * so the eigenvalues are those of L^1/2 (V^T S2 V) L^1/2 and no square
 * root matrix is formed. They equal the eigenvalues of S1 S2 (similar
 * matrices). Eigenvalues of S1 that roundoff made negative are taken as 0,
 * the square root of the PSD matrix S1 represents.
 */
export function fidProductEigenvaluesJs(
  s1: Float64Array,
  s2: Float64Array,
  d: number,
): Float64Array {
  const { values, vectors } = eighJs(s1, d, { vectors: true });
  const v = vectors!;
  const vt = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) vt[j * d + i] = v[i * d + j]!;
  }
  const w = matmulJs(vt, matmulJs(s2, v, d, d, d), d, d, d);
  const r = Float64Array.from(values, (l) => Math.sqrt(Math.max(l, 0)));
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) w[i * d + j] = r[i]! * w[i * d + j]! * r[j]!;
  }
  // Roundoff leaves w slightly asymmetric; eigh reads the lower triangle.
  return eighJs(w, d).values;
}
