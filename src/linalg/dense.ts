/**
 * Dense float64 kernels in plain JS: mean and covariance, matrix product,
 * Cholesky, and the eigenvalues that FID's trace term needs. These are the
 * reference implementations and the fallback when the native addon is
 * missing; the addon (native/linalg) computes the same quantities with
 * its own blocked, threaded kernels and the same two FID routes.
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

/** Which way the eigenvalues of S1 S2 were found (see below). */
export type FidRoute = 'cholesky' | 'eigh';

/**
 * The Cholesky pivot threshold, d * eps * max(diag(a)): a pivot at or
 * below it is roundoff of a singular matrix, not evidence that the matrix
 * is positive definite. The native addon uses the same threshold.
 */
export function pivotTolerance(a: Float64Array, d: number): number {
  let mx = 0;
  for (let i = 0; i < d; i++) mx = Math.max(mx, a[i * d + i]!);
  return d * 2 ** -52 * mx;
}

/**
 * Lower-triangular L `[d, d]` (zeros above the diagonal) with L L^T = a
 * for the symmetric `[d, d]` a (lower triangle read), or null when a
 * pivot is not above pivotTolerance (not positive definite to working
 * precision).
 */
export function choleskyJs(a: Float64Array, d: number): Float64Array | null {
  const tol = pivotTolerance(a, d);
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * d + j]!;
      for (let p = 0; p < j; p++) s -= l[i * d + p]! * l[j * d + p]!;
      if (j < i) l[i * d + j] = s / l[j * d + j]!;
      else if (s > tol && Number.isFinite(s)) l[i * d + i] = Math.sqrt(s);
      else return null;
    }
  }
  return l;
}

/** Eigenvalues of L^T sb L with sa = L L^T, or null (sa not PD). */
function choleskyRoute(
  sa: Float64Array,
  sb: Float64Array,
  d: number,
): Float64Array | null {
  const l = choleskyJs(sa, d);
  if (!l) return null;
  const lt = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) lt[j * d + i] = l[i * d + j]!;
  }
  return eighJs(matmulJs(lt, matmulJs(sb, l, d, d, d), d, d, d), d).values;
}

/**
 * `[d]` ascending eigenvalues of S1 S2 for symmetric PSD `s1`, `s2`
 * `[d, d]` float64, and the route that found them:
 *
 * - 'cholesky' (tried first unless `route` is 'eigh'): with S1 = L L^T,
 *   S1 S2 = L (L^T S2 L) L^-1 is similar to the symmetric PSD L^T S2 L,
 *   whose eigenvalues need one values-only symmetric eigensolve and no
 *   square root. S1 and S2 play symmetric roles in Tr((S1 S2)^1/2), so
 *   S2 is factored when S1 is not positive definite.
 * - 'eigh' (when neither covariance is positive definite, e.g. N <= D):
 *   with S1 = V L V^T, the eigenvalues of L^1/2 (V^T S2 V) L^1/2, i.e. of
 *   sqrt(S1) S2 sqrt(S1), again similar to S1 S2; eigenvalues of S1 that
 *   roundoff made negative are taken as 0, the square root of the PSD
 *   matrix S1 represents. Needs S1's eigenvectors (about 3x slower).
 *
 * With `route` 'cholesky' and neither matrix positive definite, throws.
 */
export function fidProductEigenvaluesJs(
  s1: Float64Array,
  s2: Float64Array,
  d: number,
  route: 'auto' | FidRoute = 'auto',
): { values: Float64Array; route: FidRoute } {
  if (route !== 'eigh') {
    const values = choleskyRoute(s1, s2, d) ?? choleskyRoute(s2, s1, d);
    if (values) return { values, route: 'cholesky' };
    if (route === 'cholesky') {
      throw new RangeError('fid: neither covariance is positive definite');
    }
  }
  return { values: eighRouteJs(s1, s2, d), route: 'eigh' };
}

/** The 'eigh' route of fidProductEigenvaluesJs. */
function eighRouteJs(
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
