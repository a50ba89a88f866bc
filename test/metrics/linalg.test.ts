import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { eighJs } from '../../src/linalg/eigh.js';
import { fidProductEigenvaluesJs, matmulJs, meanCovJs } from '../../src/linalg/dense.js';
import { knnRadiiJs, prdcCountsJs } from '../../src/linalg/neighbours.js';
import { linalgAddon } from '../../src/linalg/native.js';
import { Rng } from '../../src/util/rng.js';
import { allClose, gaussian } from './helpers.js';

test('eigh [30,30] JS: A V = V L and V orthonormal', () => {
  const rng = new Rng(1);
  const n = 30;
  const b = Float64Array.from(gaussian(rng, n, n).data);
  const a = matmulJs(b, Float64Array.from({ length: n * n },
    (_, k) => b[(k % n) * n + Math.floor(k / n)]!), n, n, n);
  const { values, vectors } = eighJs(a, n, { vectors: true });
  const av = matmulJs(a, vectors!, n, n, n);
  const vl = vectors!.map((x, k) => x * values[k % n]!);
  allClose(av, vl, 0, 1e-9, 'A V - V L');
  for (let i = 1; i < n; i++) assert.ok(values[i]! >= values[i - 1]!);
});

const native = linalgAddon().addon;
test('native addon agrees with the JS reference [300,40] vs [200,40]',
  { skip: native ? false : 'modescope_linalg is not built' }, () => {
    const rng = new Rng(5);
    const x = gaussian(rng, 300, 40);
    const y = gaussian(rng, 200, 40, 1.3, 0.2);
    const js = meanCovJs(x.data, 300, 40);
    const [mu, sigma] = native!.meanCov(x.data, 300, 40);
    allClose(mu, js.mu, 1e-12, 1e-12, 'mu');
    allClose(sigma, js.sigma, 1e-10, 1e-12, 'sigma');
    const s2 = meanCovJs(y.data, 200, 40).sigma;
    allClose(native!.fidProductEigenvalues(js.sigma, s2, 40),
      fidProductEigenvaluesJs(js.sigma, s2, 40), 1e-9, 1e-12, 'eigenvalues');
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

test('native addon rejects a short array with a RangeError',
  { skip: native ? false : 'modescope_linalg is not built' }, () => {
    assert.throws(() => native!.knnRadii(new Float32Array(5), 3, 2, 1), {
      name: 'RangeError',
      message: 'modescope_linalg: x must have 6 values, but got 5',
    });
  });
