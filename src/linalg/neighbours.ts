/**
 * Nearest-neighbour kernels for precision / recall / density / coverage,
 * in plain JS (the reference and the fallback of native/linalg).
 *
 * Distances follow the reference's path for float32 features (prdc calls
 * sklearn's pairwise_distances, which upcasts blocks to float64):
 *   d2 = (-2 x.y + |x|^2) + |y|^2 in float64, rounded to float32,
 *   clipped at 0, 0 on the diagonal of a set against itself,
 *   d  = sqrt(d2) in float32.
 * Mirroring the float32 rounding makes the strict `<` ball tests agree
 * with the reference even for points that sit on a ball's boundary.
 *
 * Rows are processed in blocks, so memory stays O((n + m) d + block * m)
 * instead of the reference's full [n, m] matrices.
 * Dimension legend: n, m samples; d features; k neighbours.
 */

const fround = Math.fround;

/** `[n]` float64 squared row norms of `x` `[n, d]`. */
export function rowNorms(x: Float32Array, n: number, d: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const v = x[i * d + j]!;
      s += v * v;
    }
    out[i] = s;
  }
  return out;
}

/** The float32 euclidean distance of rows i of x and j of y, as above. */
function dist(
  x: Float32Array,
  i: number,
  y: Float32Array,
  j: number,
  d: number,
  xx: Float64Array,
  yy: Float64Array,
): number {
  let dot = 0;
  const xi = i * d;
  const yj = j * d;
  for (let p = 0; p < d; p++) dot += x[xi + p]! * y[yj + p]!;
  const d2 = fround(-2 * dot + xx[i]! + yy[j]!);
  return fround(Math.sqrt(d2 > 0 ? d2 : 0));
}

/**
 * `[n]` float32 radius of each row of `x` `[n, d]`: the distance to its
 * k-th nearest neighbour with the point itself excluded, i.e. the
 * (k+1)-th smallest distance of its row including the 0 to itself
 * (prdc's compute_nearest_neighbour_distances). Requires 1 <= k < n.
 */
export function knnRadiiJs(
  x: Float32Array,
  n: number,
  d: number,
  k: number,
): Float32Array {
  const xx = rowNorms(x, n, d);
  const out = new Float32Array(n);
  const row = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      row[j] = i === j ? 0 : dist(x, i, x, j, d, xx, xx);
    }
    out[i] = kthSmallest(row, k);
  }
  return out;
}

/** The value of 0-based rank `r` in `a` (a is reordered). */
export function kthSmallest(a: Float32Array, r: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (r <= j) hi = j;
    else if (r >= i) lo = i;
    else return a[r]!;
  }
  return a[r]!;
}

export interface PrdcCounts {
  /** `[m]` for each fake j, #{real i : d(i, j) < realRadii[i]}. */
  densityCounts: Int32Array;
  /** `[n]` 1 if some fake j has d(i, j) < fakeRadii[j]. */
  recallHits: Uint8Array;
  /** `[n]` 1 if some fake j has d(i, j) < realRadii[i]. */
  coverageHits: Uint8Array;
}

/** The ball-membership counts of real `[n, d]` against fake `[m, d]`. */
export function prdcCountsJs(
  real: Float32Array,
  n: number,
  fake: Float32Array,
  m: number,
  d: number,
  realRadii: Float32Array,
  fakeRadii: Float32Array,
): PrdcCounts {
  const rr = rowNorms(real, n, d);
  const ff = rowNorms(fake, m, d);
  const densityCounts = new Int32Array(m);
  const recallHits = new Uint8Array(n);
  const coverageHits = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const ri = realRadii[i]!;
    for (let j = 0; j < m; j++) {
      const dij = dist(real, i, fake, j, d, rr, ff);
      if (dij < ri) {
        densityCounts[j]!++;
        coverageHits[i] = 1;
      }
      if (dij < fakeRadii[j]!) recallHits[i] = 1;
    }
  }
  return { densityCounts, recallHits, coverageHits };
}
