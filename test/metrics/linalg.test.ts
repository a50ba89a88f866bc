// The linear algebra kernels: the JS references against analytic
// identities, and the native addon (native/linalg, our own GEMM, Cholesky
// and eigen solver) against the JS references. Sizes cross the addon's
// block sizes (GEMM 6 x 8 tiles, 96-row and 256-deep blocks; Cholesky
// 128-column blocks; 1024-row distance tiles).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { eighJs } from '../../src/linalg/eigh.js';
import {
  choleskyJs,
  fidProductEigenvaluesJs,
  matmulJs,
  meanCovJs,
} from '../../src/linalg/dense.js';
import { knnRadiiJs, prdcCountsJs } from '../../src/linalg/neighbours.js';
import { linalgAddon } from '../../src/linalg/native.js';
import { Rng } from '../../src/util/rng.js';
import { allClose, gaussian } from './helpers.js';

/** `[n, n]` b b^T / n for a seeded Gaussian b `[n, n + extra]`: SPD. */
function spd(rng: Rng, n: number, extra = 5): Float64Array {
  const k = n + extra;
  const b = Float64Array.from(gaussian(rng, n, k).data);
  const bt = new Float64Array(k * n);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < k; p++) bt[p * n + i] = b[i * k + p]!;
  }
  return matmulJs(b, bt, n, k, n).map((x) => x / n);
}

function transpose(a: Float64Array, m: number, n: number): Float64Array {
  const t = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) t[j * m + i] = a[i * n + j]!;
  }
  return t;
}

test('eigh [30,30] JS: A V = V L and V orthonormal', () => {
  const rng = new Rng(1);
  const n = 30;
  const a = spd(rng, n);
  const { values, vectors } = eighJs(a, n, { vectors: true });
  const av = matmulJs(a, vectors!, n, n, n);
  const vl = vectors!.map((x, k) => x * values[k % n]!);
  allClose(av, vl, 0, 1e-9, 'A V - V L');
  for (let i = 1; i < n; i++) assert.ok(values[i]! >= values[i - 1]!);
});

test('cholesky [40,40] JS: L L^T = A (analytic); singular -> null', () => {
  const n = 40;
  const a = spd(new Rng(2), n);
  const l = choleskyJs(a, n)!;
  allClose(matmulJs(l, transpose(l, n, n), n, n, n), a, 1e-12, 1e-13,
    'L L^T');
  // Rank 3 < 40: b b^T with b [40, 3].
  const b = Float64Array.from(gaussian(new Rng(3), n, 3).data);
  assert.equal(choleskyJs(matmulJs(b, transpose(b, n, 3), n, 3, n), n),
    null);
});

test('fid eigenvalues [25,25] JS: cholesky and eigh routes agree', () => {
  const rng = new Rng(4);
  const s1 = spd(rng, 25);
  const s2 = spd(rng, 25, 2);
  const c = fidProductEigenvaluesJs(s1, s2, 25, 'cholesky');
  const e = fidProductEigenvaluesJs(s1, s2, 25, 'eigh');
  assert.equal(c.route, 'cholesky');
  assert.equal(e.route, 'eigh');
  allClose(c.values, e.values, 1e-9, 1e-12, 'eigenvalues');
});

const native = linalgAddon().addon;
const skip = native ? false : 'modescope_linalg is not built';

test('native gemmNT [m,k]x[n,k]^T at edge sizes = JS matmul', { skip },
  () => {
    const rng = new Rng(6);
    for (const [m, n, k] of [[1, 1, 1], [7, 13, 5], [97, 9, 513],
      [200, 130, 300]] as const) {
      const a = Float64Array.from(gaussian(rng, m, k).data);
      const b = Float64Array.from(gaussian(rng, n, k).data);
      allClose(native!.gemmNT(a, b, m, n, k),
        matmulJs(a, transpose(b, n, k), m, k, n), 1e-12, 1e-12,
        `gemm [${m},${k}]x[${n},${k}]^T`);
    }
  });

test('native cholesky [300,300] = JS; singular -> null', { skip }, () => {
  const n = 300;
  const a = spd(new Rng(7), n);
  allClose(native!.cholesky(a, n)!, choleskyJs(a, n)!, 1e-10, 1e-12, 'L');
  const b = Float64Array.from(gaussian(new Rng(8), n, 3).data);
  assert.equal(native!.cholesky(matmulJs(b, transpose(b, n, 3), n, 3, n), n),
    null);
});

test('native eigh [450,450] (threaded reduction): values = JS, A V = V L',
  { skip }, () => {
  // Above 384 trailing rows the Householder sweep runs on all threads.
  const n = 450;
  const a = spd(new Rng(9), n, -200);
  const [values, vectors] = native!.eigh(a, n, true);
  allClose(values, eighJs(a, n).values, 1e-10, 1e-12, 'values');
  const av = matmulJs(a, vectors!, n, n, n);
  allClose(av, vectors!.map((x, k) => x * values[k % n]!), 0, 1e-11,
    'A V - V L');
  const [only, none] = native!.eigh(a, n, false);
  assert.equal(none, null);
  allClose(only, values, 1e-12, 1e-13, 'values without vectors');
});

test('native fid eigenvalues [200,200] both routes = JS (multi-block ' +
  'Cholesky and L^T S2 L)', { skip }, () => {
  const rng = new Rng(14);
  const s1 = spd(rng, 200);
  const s2 = spd(rng, 200, 20);
  for (const route of ['cholesky', 'eigh'] as const) {
    const [values, used] = native!.fidProductEigenvalues(s1, s2, 200, route);
    assert.equal(used, route);
    allClose(values, fidProductEigenvaluesJs(s1, s2, 200, route).values,
      1e-9, 1e-11, `eigenvalues (${route})`);
  }
});

test('native addon agrees with the JS reference [300,40] vs [200,40]',
  { skip }, () => {
    const rng = new Rng(5);
    const x = gaussian(rng, 300, 40);
    const y = gaussian(rng, 200, 40, 1.3, 0.2);
    const js = meanCovJs(x.data, 300, 40);
    const [mu, sigma] = native!.meanCov(x.data, 300, 40);
    allClose(mu, js.mu, 1e-12, 1e-12, 'mu');
    allClose(sigma, js.sigma, 1e-10, 1e-12, 'sigma');
    const s2 = meanCovJs(y.data, 200, 40).sigma;
    for (const route of ['cholesky', 'eigh'] as const) {
      const [values, used] = native!.fidProductEigenvalues(js.sigma, s2, 40,
        route);
      assert.equal(used, route);
      allClose(values, fidProductEigenvaluesJs(js.sigma, s2, 40, route)
        .values, 1e-9, 1e-12, `eigenvalues (${route})`);
    }
    const rx = knnRadiiJs(x.data, 300, 40, 3);
    const ry = knnRadiiJs(y.data, 200, 40, 3);
    assert.deepEqual(native!.knnRadii(x.data, 300, 40, 3), rx);
    const c = prdcCountsJs(x.data, 300, y.data, 200, 40, rx, ry);
    const [dens, rec, cov] = native!.prdcCounts(x.data, 300, y.data, 200, 40,
      rx, ry);
    assert.deepEqual(dens, c.densityCounts);
    assert.deepEqual(rec, c.recallHits);
    assert.deepEqual(cov, c.coverageHits);
  });

test('native knnRadii / prdcCounts [1100,6] vs [1050,6] across distance ' +
  'tiles = JS', { skip }, () => {
  // Coarse values (multiples of 1/4) make ties and exact ball-boundary
  // distances common, which the float32 rounding must reproduce.
  const rng = new Rng(10);
  const q = (n: number): Float32Array =>
    Float32Array.from({ length: n * 6 },
      () => Math.round(rng.normal() * 4) / 4);
  const x = q(1100);
  const y = q(1050);
  const rx = knnRadiiJs(x, 1100, 6, 5);
  const ry = knnRadiiJs(y, 1050, 6, 5);
  assert.deepEqual(native!.knnRadii(x, 1100, 6, 5), rx);
  assert.deepEqual(native!.knnRadii(y, 1050, 6, 5), ry);
  const c = prdcCountsJs(x, 1100, y, 1050, 6, rx, ry);
  const [dens, rec, cov] = native!.prdcCounts(x, 1100, y, 1050, 6, rx, ry);
  assert.deepEqual(dens, c.densityCounts);
  assert.deepEqual(rec, c.recallHits);
  assert.deepEqual(cov, c.coverageHits);
});

test('native addon rejects a short array with a RangeError', { skip }, () => {
  assert.throws(() => native!.knnRadii(new Float32Array(5), 3, 2, 1), {
    name: 'RangeError',
    message: 'modescope_linalg: x must have 6 values, but got 5',
  });
});
