/**
 * The sample matrix every metric takes, and the checks they share.
 */
import { UserRangeError } from '../util/errors.js';

/** A set of samples as rows: `data` is `[n, d]` float32, row-major. */
export interface Matrix {
  data: Float32Array;
  shape: [number, number];
}

/** Wraps a flat `[n, d]` array (checks only the length). */
export function matrix(data: Float32Array, n: number, d: number): Matrix {
  if (data.length !== n * d) {
    throw new UserRangeError(
      `matrix: data must hold n * d = ${n * d} values, but got ${data.length}`,
    );
  }
  return { data, shape: [n, d] };
}

/**
 * Checks that `x` is a non-empty `[n, d]` matrix of finite values with at
 * least `minRows` rows; `where` and `what` name it in errors.
 */
export function checkMatrix(
  where: string,
  what: string,
  x: Matrix,
  minRows = 1,
): void {
  const [n, d] = x.shape;
  if (!(Number.isInteger(n) && Number.isInteger(d) && d >= 1)) {
    throw new UserRangeError(
      `${where}: ${what} must be [n, d] with d >= 1, but got [${n}, ${d}]`,
    );
  }
  if (x.data.length !== n * d) {
    throw new UserRangeError(
      `${where}: ${what} must hold ${n * d} values for [${n}, ${d}], ` +
        `but got ${x.data.length}`,
    );
  }
  if (n < minRows) {
    throw new UserRangeError(
      `${where}: ${what} must have at least ${minRows} samples, ` +
        `but got ${n}`,
    );
  }
  const a = x.data;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]!)) {
      throw new UserRangeError(
        `${where}: ${what} must be finite, but got ${a[i]} at ` +
          `[${Math.floor(i / d)}, ${i % d}]`,
        'remove or repair the non-finite samples (a diverged generator ' +
          'produces NaN)',
      );
    }
  }
}

/** Checks that two matrices have the same feature dimension. */
export function checkSameDim(
  where: string,
  real: Matrix,
  fake: Matrix,
): void {
  if (real.shape[1] !== fake.shape[1]) {
    throw new UserRangeError(
      `${where}: fake features must have the real features' dimension ` +
        `${real.shape[1]}, but got ${fake.shape[1]}`,
      'compute both sets with the same feature extractor',
    );
  }
}
