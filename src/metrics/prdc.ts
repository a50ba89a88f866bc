/**
 * Improved precision and recall (Kynkaanniemi et al. 2019) and density and
 * coverage (Naeem et al. 2020), with the conventions of the `prdc`
 * package (clovaai/generative-evaluation-prdc):
 *
 *   r_X(i)    = distance from X_i to its k-th nearest neighbour in X, the
 *               point itself excluded (the (k+1)-th smallest distance of
 *               its row, which includes the 0 to itself)
 *   precision = (1/M) sum_j 1[exists i: d(X_i, Y_j) < r_X(i)]
 *   recall    = (1/N) sum_i 1[exists j: d(X_i, Y_j) < r_Y(j)]
 *   density   = (1/(kM)) sum_j sum_i 1[d(X_i, Y_j) < r_X(i)]
 *   coverage  = (1/N) sum_i 1[min_j d(X_i, Y_j) < r_X(i)]
 *
 * X real (N), Y fake (M); ball membership is strict `<`. The papers use
 * k = 3 for precision / recall and k = 5 for density / coverage; the
 * prdc package uses one k for all four. Distances follow the reference's
 * float32 path (src/linalg/neighbours.ts) and are computed in row blocks,
 * so 50k x 50k needs memory for the features plus one block.
 */
import { knnRadii, prdcCounts } from '../linalg/index.js';
import { UserRangeError, describe } from '../util/errors.js';
import { checkMatrix, checkSameDim, type Matrix } from './features.js';

export interface PrdcOptions {
  /** Neighbour rank for precision / recall; default 3. */
  kPr?: number;
  /** Neighbour rank for density / coverage; default 5. */
  kDc?: number;
}

export interface PrdcResult {
  precision: number;
  recall: number;
  density: number;
  coverage: number;
  warnings: string[];
}

export interface PrResult {
  precision: number;
  recall: number;
}

function checkK(where: string, name: string, k: number, n: number): void {
  if (!(Number.isInteger(k) && k >= 1 && k < n)) {
    throw new UserRangeError(
      `${where}: ${name} must be an integer with 1 <= ${name} < ` +
        `${n} (the smaller sample), but got ${describe(k)}`,
    );
  }
}

/** All four numbers with one k, exactly as prdc.compute_prdc. */
export function prdcSingleK(real: Matrix, fake: Matrix, k: number): PrdcResult {
  const where = 'prdc';
  checkMatrix(where, 'real features', real, 2);
  checkMatrix(where, 'fake features', fake, 2);
  checkSameDim(where, real, fake);
  const [n, d] = real.shape;
  const m = fake.shape[0];
  checkK(where, 'k', k, Math.min(n, m));
  const rr = knnRadii(real.data, n, d, k);
  const fr = knnRadii(fake.data, m, d, k);
  const c = prdcCounts(real.data, n, fake.data, m, d, rr, fr);
  let precHits = 0;
  let dens = 0;
  for (let j = 0; j < m; j++) {
    if (c.densityCounts[j]! > 0) precHits++;
    dens += c.densityCounts[j]!;
  }
  let rec = 0;
  let cov = 0;
  for (let i = 0; i < n; i++) {
    rec += c.recallHits[i]!;
    cov += c.coverageHits[i]!;
  }
  return {
    precision: precHits / m,
    recall: rec / n,
    // The reference's order of operations, so the float agrees exactly.
    density: (1 / k) * (dens / m),
    coverage: cov / n,
    warnings: [],
  };
}

/**
 * Precision and recall with `kPr` and density and coverage with `kDc`,
 * real `[N, d]` and fake `[M, d]` features.
 */
export function prdc(
  real: Matrix,
  fake: Matrix,
  opts: PrdcOptions = {},
): PrdcResult {
  const kPr = opts.kPr ?? 3;
  const kDc = opts.kDc ?? 5;
  const pr = prdcSingleK(real, fake, kPr);
  const dc = kDc === kPr ? pr : prdcSingleK(real, fake, kDc);
  const warnings: string[] = [];
  const n = Math.min(real.shape[0], fake.shape[0]);
  if (n < 1000) {
    warnings.push(
      `prdc: ${n} samples is below the recommended 1000 per set; the ` +
        'neighbour radii are coarse (the papers use 10,000 to 50,000)',
    );
  }
  return {
    precision: pr.precision,
    recall: pr.recall,
    density: dc.density,
    coverage: dc.coverage,
    warnings,
  };
}
