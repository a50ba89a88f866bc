/**
 * Inception Score (Salimans et al. 2016), from class probabilities:
 *
 *   IS = exp( E_x KL(p(y|x) || p(y)) ),  p(y) the mean of p(y|x) over x
 *
 * computed on `splits` consecutive, equal parts of floor(N / splits)
 * samples (the remainder is dropped, as in the original code), reported as
 * the mean and the population std over the parts. Terms with p = 0
 * contribute 0 (scipy.stats.entropy's convention). Float64 throughout.
 */
import { UserRangeError, describe } from '../util/errors.js';
import { checkMatrix, type Matrix } from './features.js';

export interface InceptionScoreOptions {
  /** Number of consecutive parts; default 10. */
  splits?: number;
}

export interface InceptionScoreResult {
  mean: number;
  std: number;
  warnings: string[];
}

/** IS of class probabilities `probs` `[N, C]` (rows sum to 1). */
export function inceptionScore(
  probs: Matrix,
  opts: InceptionScoreOptions = {},
): InceptionScoreResult {
  const where = 'is';
  checkMatrix(where, 'probabilities', probs);
  const [n, c] = probs.shape;
  const splits = opts.splits ?? 10;
  if (!(Number.isInteger(splits) && splits >= 1 && splits <= n)) {
    throw new UserRangeError(
      `${where}: splits must be an integer in [1, ${n}] (the sample ` +
        `count), but got ${describe(splits)}`,
    );
  }
  const p = probs.data;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < c; j++) {
      const v = p[i * c + j]!;
      if (v < 0) {
        throw new UserRangeError(
          `${where}: probabilities must be >= 0, but got ${v} at [${i}, ${j}]`,
          'pass softmax outputs, not logits',
        );
      }
      s += v;
    }
    if (Math.abs(s - 1) > 1e-3) {
      throw new UserRangeError(
        `${where}: probability rows must sum to 1, but row ${i} sums to ${s}`,
        'pass softmax outputs, not logits',
      );
    }
  }
  const warnings: string[] = [];
  if (n < 50000) {
    warnings.push(
      `is: ${n} samples is below the 50,000 of the published protocol; ` +
        'scores from fewer samples are not comparable to papers',
    );
  }
  const part = Math.floor(n / splits);
  const scores: number[] = [];
  const py = new Float64Array(c);
  for (let s = 0; s < splits; s++) {
    const lo = s * part;
    py.fill(0);
    for (let i = lo; i < lo + part; i++) {
      for (let j = 0; j < c; j++) py[j] = py[j]! + p[i * c + j]!;
    }
    for (let j = 0; j < c; j++) py[j] = py[j]! / part;
    let kl = 0;
    for (let i = lo; i < lo + part; i++) {
      for (let j = 0; j < c; j++) {
        const v = p[i * c + j]!;
        if (v > 0) kl += v * Math.log(v / py[j]!);
      }
    }
    scores.push(Math.exp(kl / part));
  }
  const mean = scores.reduce((a, b) => a + b, 0) / splits;
  const std = Math.sqrt(
    scores.reduce((a, b) => a + (b - mean) ** 2, 0) / splits,
  );
  return { mean, std, warnings };
}
