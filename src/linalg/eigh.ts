/**
 * Eigenvalues and eigenvectors of a real symmetric matrix, in plain JS.
 *
 * Householder reduction to tridiagonal form, then the implicit QL method
 * with Wilkinson-style shifts (the EISPACK tred2 / tql2 pair, as described
 * by Wilkinson and Reinsch, "Handbook for Automatic Computation", vol. II).
 * Cost: about 4/3 n^3 flops for the reduction and 3 n^3 more when the
 * vectors are accumulated. This is the reference implementation and the
 * fallback of the native addon, which runs the same QL iteration in C++
 * after a fused, threaded Householder reduction (native/linalg/dense.cc).
 */

export interface EighResult {
  /** `[n]` eigenvalues in ascending order. */
  values: Float64Array;
  /**
   * `[n, n]` row-major, column j is the unit eigenvector of values[j];
   * present only when asked for.
   */
  vectors?: Float64Array;
}

/**
 * Decomposes the symmetric `[n, n]` row-major float64 matrix `a` (only
 * its lower triangle is read). `a` is not modified.
 */
export function eighJs(
  a: Float64Array,
  n: number,
  opts: { vectors?: boolean } = {},
): EighResult {
  if (a.length !== n * n) {
    throw new RangeError(
      `eigh: a must have ${n * n} values for [${n}, ${n}], but got ${a.length}`,
    );
  }
  if (n === 0) return { values: new Float64Array(0) };
  // v is column-major-by-convention scratch: v[i * n + j] is V[i][j].
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      v[i * n + j] = a[i * n + j]!;
      v[j * n + i] = a[i * n + j]!;
    }
  }
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tridiagonalize(v, d, e, n);
  diagonalize(v, d, e, n, opts.vectors === true);
  // Sort ascending, permuting the columns of v with the values.
  const order = Array.from(d.keys()).sort((x, y) => d[x]! - d[y]!);
  const values = Float64Array.from(order, (k) => d[k]!);
  if (!opts.vectors) return { values };
  const vectors = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) vectors[i * n + j] = v[i * n + order[j]!]!;
  }
  return { values, vectors };
}

/** Householder reduction; leaves the orthogonal transform in v. */
function tridiagonalize(
  v: Float64Array,
  d: Float64Array,
  e: Float64Array,
  n: number,
): void {
  for (let j = 0; j < n; j++) d[j] = v[(n - 1) * n + j]!;
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]!);
    if (scale === 0) {
      e[i] = d[i - 1]!;
      for (let j = 0; j < i; j++) {
        d[j] = v[(i - 1) * n + j]!;
        v[i * n + j] = 0;
        v[j * n + i] = 0;
      }
    } else {
      // Scaling first keeps the squared norm from under- or overflowing.
      for (let k = 0; k < i; k++) {
        d[k] = d[k]! / scale;
        h += d[k]! * d[k]!;
      }
      let f = d[i - 1]!;
      let g = f > 0 ? -Math.sqrt(h) : Math.sqrt(h);
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        v[j * n + i] = f;
        g = e[j]! + v[j * n + j]! * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += v[k * n + j]! * d[k]!;
          e[k] = e[k]! + v[k * n + j]! * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] = e[j]! / h;
        f += e[j]! * d[j]!;
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] = e[j]! - hh * d[j]!;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        g = e[j]!;
        for (let k = j; k <= i - 1; k++) {
          v[k * n + j] = v[k * n + j]! - (f * e[k]! + g * d[k]!);
        }
        d[j] = v[(i - 1) * n + j]!;
        v[i * n + j] = 0;
      }
    }
    d[i] = h;
  }
  // Accumulate the Householder reflections into v.
  for (let i = 0; i < n - 1; i++) {
    v[(n - 1) * n + i] = v[i * n + i]!;
    v[i * n + i] = 1;
    const h = d[i + 1]!;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = v[k * n + i + 1]! / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += v[k * n + i + 1]! * v[k * n + j]!;
        for (let k = 0; k <= i; k++) v[k * n + j] = v[k * n + j]! - g * d[k]!;
      }
    }
    for (let k = 0; k <= i; k++) v[k * n + i + 1] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = v[(n - 1) * n + j]!;
    v[(n - 1) * n + j] = 0;
  }
  v[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/** Implicit QL iterations on the tridiagonal (d, e); rotates v if asked. */
function diagonalize(
  v: Float64Array,
  d: Float64Array,
  e: Float64Array,
  n: number,
  withVectors: boolean,
): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]!) > eps * tst1) m++;
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 60 * n) {
          throw new Error('eigh: QL iteration did not converge');
        }
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i] = d[i]! - h;
        f += h;
        p = d[m]!;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1]!;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = Math.hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          if (withVectors) {
            for (let k = 0; k < n; k++) {
              const vk = k * n;
              const hk = v[vk + i + 1]!;
              v[vk + i + 1] = s * v[vk + i]! + c * hk;
              v[vk + i] = c * v[vk + i]! - s * hk;
            }
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]!) > eps * tst1);
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
}
