/**
 * Frechet Inception Distance (Heusel et al. 2017), as pytorch-fid's
 * calculate_frechet_distance computes it:
 *
 *   FID = ||mu1 - mu2||^2 + Tr(S1) + Tr(S2) - 2 Tr((S1 S2)^1/2)
 *
 * with float64 means and N-1 covariances.
 *
 * The reference forms the matrix square root of S1 S2 with scipy's sqrtm
 * (a Schur decomposition, minutes for 2048-d). Only its trace is needed,
 * and Tr((S1 S2)^1/2) = sum_k sqrt(l_k) over the eigenvalues l_k of the
 * symmetric PSD matrix sqrt(S1) S2 sqrt(S1), which is similar to S1 S2; two
 * symmetric eigen-decompositions give them (src/linalg/dense.ts).
 *
 * The reference's fallbacks, mapped to this route:
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
import { meanCov, fidProductEigenvalues } from '../linalg/index.js';
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
}

export interface FidResult {
  fid: number;
  /** True when the eps fallback was used. */
  offsetAdded: boolean;
  /** Notes for the user (too few samples, the fallback). */
  warnings: string[];
}

/** Below this many samples FID is biased and its covariance ill-posed. */
export const FID_MIN_SAMPLES = 2048;

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
  for (const [what, s] of [['real', a], ['fake', b]] as const) {
    if (s.count !== undefined && s.count < FID_MIN_SAMPLES) {
      warnings.push(
        `fid: ${s.count} ${what} samples is below the recommended ` +
          `${FID_MIN_SAMPLES}; the score is biased upwards (10,000 or ` +
          `more is usual, 50,000 in papers)`,
      );
    }
  }
  let diff2 = 0;
  for (let i = 0; i < d; i++) diff2 += (a.mu[i]! - b.mu[i]!) ** 2;
  let tr1 = 0;
  let tr2 = 0;
  for (let i = 0; i < d; i++) {
    tr1 += a.sigma[i * d + i]!;
    tr2 += b.sigma[i * d + i]!;
  }
  let offsetAdded = false;
  let values = safeEigenvalues(a.sigma, b.sigma, d);
  if (!values) {
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
    values = safeEigenvalues(s1, s2, d);
    if (!values) {
      throw new UserError(
        'fid: the covariance product has no finite square root even with ' +
          `${eps} added to the diagonals`,
      );
    }
  }
  let trSqrt = 0;
  let imag = 0;
  for (const l of values) {
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
  return { fid: diff2 + tr1 + tr2 - 2 * trSqrt, offsetAdded, warnings };
}

function safeEigenvalues(
  s1: Float64Array,
  s2: Float64Array,
  d: number,
): Float64Array | null {
  let values: Float64Array;
  try {
    values = fidProductEigenvalues(s1, s2, d);
  } catch {
    return null;
  }
  return values.every(Number.isFinite) ? values : null;
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
