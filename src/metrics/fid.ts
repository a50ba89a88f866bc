/**
 * Frechet Inception Distance (Heusel et al. 2017), as pytorch-fid's
 * calculate_frechet_distance computes it:
 *
 *   FID = ||mu1 - mu2||^2 + Tr(S1) + Tr(S2) - 2 Tr((S1 S2)^1/2)
 *
 * with float64 means and N-1 covariances.
 *
 * The reference forms the matrix square root of S1 S2 with scipy's sqrtm
 * (a complex Schur decomposition, a minute or more for 2048-d). Only its
 * trace is needed: Tr((S1 S2)^1/2) = sum_k sqrt(l_k) over the eigenvalues
 * l_k of S1 S2, and src/linalg finds them from a symmetric matrix similar
 * to S1 S2 by one of two routes:
 * - 'cholesky' (the fast, usual one): S1 = L L^T, then the eigenvalues of
 *   L^T S2 L; only eigenvalues, no eigenvectors, are computed. If S1 is
 *   not positive definite, S2 is factored instead (the trace is symmetric
 *   in S1 and S2).
 * - 'eigh' (the fallback): when neither covariance is positive definite,
 *   i.e. both sets have N <= D samples or are rank-deficient, S1 = V L V^T
 *   and the eigenvalues of L^1/2 V^T S2 V L^1/2, with S1's eigenvalues
 *   that roundoff made negative taken as 0. About 3x slower (S1's
 *   eigenvectors). When a set's sample count is known and does not exceed
 *   D, this route is taken without trying Cholesky. Its cost is S1's
 *   eigenvectors: about 20 s for 2048-d on two cores, as slow as the
 *   reference's sqrtm. With the features at hand, the nonzero eigenvalues
 *   of S1 S2 are those of the N x N matrix Xc S2 Xc^T / (N - 1) (Xc the
 *   centred samples), which would take about a second; that route is not
 *   implemented yet.
 * Both agree with the reference to ~1e-9 relative on the committed
 * pytorch-fid fixtures (test/metrics/fid.test.ts).
 *
 * The reference's fallbacks, mapped to these routes:
 * - "not finite": when sqrtm's result has a non-finite entry, the
 *   reference adds eps (1e-6) to both diagonals and retries. Here a
 *   non-finite eigenvalue (or a failed decomposition) triggers the same
 *   retry with eps. A singular product alone (N <= D) does not: sqrtm then
 *   returns a finite result and so does this route, and the two agree.
 * - "imaginary component": the reference fails when some diagonal entry
 *   of sqrtm(S1 S2) has |imag| > 1e-3, else keeps the real part. In exact
 *   arithmetic every l_k >= 0; roundoff makes some slightly negative, and
 *   sqrt(l_k) is then imaginary. A diagonal entry of the root is a
 *   weighted average of the sqrt(l_k), so the largest sqrt(-l_k) bounds
 *   the reference's imaginary parts: modescope fails when it exceeds 1e-3
 *   (never less strict than the reference) and otherwise, like the
 *   reference's real part, counts negative l_k as 0.
 */
import {
  meanCov,
  fidProductEigenvalues,
  type FidRoute,
} from '../linalg/index.js';
import { UserError, UserRangeError } from '../util/errors.js';
import { checkMatrix, checkSameDim, type Matrix } from './features.js';

/** Gaussian statistics of a feature set. */
export interface FidStats {
  /** `[d]` float64 mean. */
  mu: Float64Array;
  /** `[d, d]` float64 covariance (N-1), row-major. */
  sigma: Float64Array;
  /** Feature dimension d. */
  dim: number;
  /** Number of samples the statistics came from, when known. */
  count?: number;
}

export interface FidOptions {
  /** Diagonal offset of the non-finite fallback; default 1e-6. */
  eps?: number;
  /**
   * How the eigenvalues of S1 S2 are found (see above); default 'auto':
   * Cholesky when a covariance is positive definite, else 'eigh'.
   * 'cholesky' fails when neither is; tests use it to pin a route.
   */
  route?: 'auto' | FidRoute;
}

export interface FidResult {
  fid: number;
  /** True when the eps fallback was used. */
  offsetAdded: boolean;
  /** The route that found the eigenvalues of S1 S2. */
  route: FidRoute;
  /** Notes for the user (too few samples, the fallback). */
  warnings: string[];
}

/**
 * A set's covariance has rank at most N - 1, so it is singular unless
 * N > D: with N <= D samples the Gaussian fit is degenerate and FID is
 * biased upwards. That is the warning's threshold. It is pytorch-fid's
 * advice of at least 2048 samples for its 2048-d features, generalised to
 * any feature dimension (128-d MNIST features need 129, not 2048).
 */
export function fidSampleWarning(
  what: string,
  count: number,
  dim: number,
): string | null {
  if (count > dim) return null;
  return (
    `fid: ${count} ${what} samples do not exceed the feature dimension ` +
    `${dim}, so the covariance is singular and the score is biased ` +
    `upwards; use more than ${dim} (10,000 or more is usual, 50,000 in ` +
    'papers)'
  );
}

/** Mean and N-1 covariance of `x` `[n, d]` (n >= 2), in float64. */
export function fidStats(x: Matrix): FidStats {
  checkMatrix('fid', 'features', x, 2);
  const [n, d] = x.shape;
  const { mu, sigma } = meanCov(x.data, n, d);
  return { mu, sigma, dim: d, count: n };
}

function checkStats(where: string, what: string, s: FidStats): void {
  const d = s.dim;
  if (s.mu.length !== d || s.sigma.length !== d * d) {
    throw new UserRangeError(
      `${where}: ${what} statistics must be mu [${d}] and sigma ` +
        `[${d}, ${d}], but got ${s.mu.length} and ${s.sigma.length} values`,
    );
  }
  for (const a of [s.mu, s.sigma]) {
    for (let i = 0; i < a.length; i++) {
      if (!Number.isFinite(a[i]!)) {
        throw new UserRangeError(
          `${where}: ${what} statistics must be finite, but got ${a[i]}`,
        );
      }
    }
  }
}

/** Frechet distance of two Gaussians given by their statistics. */
export function frechetDistance(
  a: FidStats,
  b: FidStats,
  opts: FidOptions = {},
): FidResult {
  const where = 'fid';
  checkStats(where, 'real', a);
  checkStats(where, 'fake', b);
  if (a.dim !== b.dim) {
    throw new UserRangeError(
      `${where}: fake statistics must have the real dimension ${a.dim}, ` +
        `but got ${b.dim}`,
      'compute both sets with the same feature extractor',
    );
  }
  const d = a.dim;
  const eps = opts.eps ?? 1e-6;
  const warnings: string[] = [];
  let singular = 0;
  for (const [what, s] of [['real', a], ['fake', b]] as const) {
    const w = s.count === undefined ? null : fidSampleWarning(what, s.count, d);
    if (w) {
      warnings.push(w);
      singular++;
    }
  }
  // Both covariances singular by their sample counts: Cholesky cannot
  // succeed (or would on roundoff alone), so go straight to 'eigh'.
  const route = opts.route ?? (singular === 2 ? 'eigh' : 'auto');
  let diff2 = 0;
  for (let i = 0; i < d; i++) diff2 += (a.mu[i]! - b.mu[i]!) ** 2;
  let tr1 = 0;
  let tr2 = 0;
  for (let i = 0; i < d; i++) {
    tr1 += a.sigma[i * d + i]!;
    tr2 += b.sigma[i * d + i]!;
  }
  let offsetAdded = false;
  let found = safeEigenvalues(a.sigma, b.sigma, d, route);
  if (!found) {
    // The reference's fallback: eps on both diagonals, only inside the
    // square root; the traces above stay those of the raw covariances.
    offsetAdded = true;
    warnings.push(
      `fid: the product of covariances is not finite; added ${eps} to ` +
        'both diagonals (as pytorch-fid does)',
    );
    const s1 = Float64Array.from(a.sigma);
    const s2 = Float64Array.from(b.sigma);
    for (let i = 0; i < d; i++) {
      s1[i * d + i] = s1[i * d + i]! + eps;
      s2[i * d + i] = s2[i * d + i]! + eps;
    }
    found = safeEigenvalues(s1, s2, d, route);
    if (!found) {
      throw new UserError(
        'fid: the covariance product has no finite square root even with ' +
          `${eps} added to the diagonals`,
      );
    }
  }
  let trSqrt = 0;
  let imag = 0;
  for (const l of found.values) {
    if (l >= 0) trSqrt += Math.sqrt(l);
    else imag = Math.max(imag, Math.sqrt(-l));
  }
  if (imag > 1e-3) {
    throw new UserError(
      `fid: the square root of the covariance product must be real, but ` +
        `got an imaginary component of ${imag.toExponential(3)} (over 1e-3)`,
      'the covariances are ill-conditioned: use more samples',
    );
  }
  return {
    fid: diff2 + tr1 + tr2 - 2 * trSqrt,
    offsetAdded,
    route: found.route,
    warnings,
  };
}

function safeEigenvalues(
  s1: Float64Array,
  s2: Float64Array,
  d: number,
  route: 'auto' | FidRoute,
): { values: Float64Array; route: FidRoute } | null {
  if (route === 'cholesky') {
    // A pinned route reports that it cannot run instead of retrying.
    let r: { values: Float64Array; route: FidRoute };
    try {
      r = fidProductEigenvalues(s1, s2, d, route);
    } catch {
      throw new UserError(
        'fid: route cholesky needs a positive definite covariance, but ' +
          'neither is',
        "use route 'auto', which falls back to 'eigh'",
      );
    }
    return r.values.every(Number.isFinite) ? r : null;
  }
  let r: { values: Float64Array; route: FidRoute };
  try {
    r = fidProductEigenvalues(s1, s2, d, route);
  } catch {
    return null;
  }
  return r.values.every(Number.isFinite) ? r : null;
}

/** FID between real `[n, d]` and fake `[m, d]` features. */
export function fid(
  real: Matrix,
  fake: Matrix,
  opts: FidOptions = {},
): FidResult {
  checkSameDim('fid', real, fake);
  return frechetDistance(fidStats(real), fidStats(fake), opts);
}
