import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { kid, mmd2Unbiased } from '../../src/metrics/kid.js';
import { inceptionScore } from '../../src/metrics/inception-score.js';
import {
  emd,
  emdExact,
  linearSumAssignment,
  slicedWasserstein,
  wasserstein1d,
} from '../../src/metrics/emd.js';
import { Rng } from '../../src/util/rng.js';
import { REF, close, fixtureInts, fixtureMatrix, gaussian } from './helpers.js';

// Expected values: scripts/fixtures/metrics.py (numpy / scipy / torch).
test('kid [200,8] one subset of all samples matches numpy to 1e-6', () => {
  const r = kid(fixtureMatrix('kid_real'), fixtureMatrix('kid_fake'),
    new Rng(0), { subsets: 1, subsetSize: 200 });
  close(r.mean, REF.kid!.full!, 1e-6, 0, 'kid');
  assert.equal(r.std, 0);
});

test('kid [200,8] 5 given subsets of 50: mean and std match numpy', () => {
  const x = fixtureMatrix('kid_real');
  const y = fixtureMatrix('kid_fake');
  const ir = fixtureInts('kid_idx_real');
  const jf = fixtureInts('kid_idx_fake');
  const s: number[] = [];
  for (let k = 0; k < 5; k++) {
    s.push(mmd2Unbiased(x, ir.subarray(k * 50, k * 50 + 50),
      y, jf.subarray(k * 50, k * 50 + 50)));
  }
  const mean = s.reduce((a, b) => a + b) / 5;
  const std = Math.sqrt(s.reduce((a, b) => a + (b - mean) ** 2, 0) / 5);
  close(mean, REF.kid!.subsetMean!, 1e-6, 0, 'mean');
  close(std, REF.kid!.subsetStd!, 1e-6, 0, 'std');
});

test('kid [200,8] seeded subsets are reproducible', () => {
  const x = fixtureMatrix('kid_real');
  const y = fixtureMatrix('kid_fake');
  const a = kid(x, y, new Rng(7), { subsets: 3, subsetSize: 100 });
  const b = kid(x, y, new Rng(7), { subsets: 3, subsetSize: 100 });
  assert.deepEqual(a, b);
});

test('kid subset larger than the sample -> error', () => {
  const rng = new Rng(1);
  assert.throws(
    () => kid(gaussian(rng, 30, 2), gaussian(rng, 40, 2), rng),
    {
      message:
        'kid: subsetSize must be at most the number of samples (30 real, ' +
        '40 fake), but got 1000\n  hint: pass --kid-subset-size 30 or ' +
        'fewer, or more samples',
    },
  );
});

test('is [1003,10] 10 splits matches scipy entropy to 1e-4', () => {
  const r = inceptionScore(fixtureMatrix('is_probs'));
  close(r.mean, REF.is!.mean!, 1e-4, 0, 'mean');
  close(r.std, REF.is!.std!, 1e-4, 0, 'std');
});

test('is [20,10] one-hot uniform classes -> 10 (analytic)', () => {
  const p = new Float32Array(200);
  for (let i = 0; i < 20; i++) p[i * 10 + (i % 10)] = 1;
  const r = inceptionScore({ data: p, shape: [20, 10] }, { splits: 2 });
  close(r.mean, 10, 1e-12, 0, 'is');
});

test('is [2,3] logits instead of probabilities -> error', () => {
  const p = Float32Array.from([2, -1, 0.5, 0.1, 0.2, 0.7]);
  assert.throws(() => inceptionScore({ data: p, shape: [2, 3] }, { splits: 1 }),
    {
      message:
        'is: probabilities must be >= 0, but got -1 at [0, 1]\n  hint: ' +
        'pass softmax outputs, not logits',
    });
});

test('emd [60,3] exact matching equals scipy linear_sum_assignment', () => {
  const v = emdExact(fixtureMatrix('emd_real'), fixtureMatrix('emd_fake'));
  close(v, REF.emd!.exact!, 1e-6, 0, 'emd');
});

test('emd 1-D [50] vs [70] equals scipy wasserstein_distance', () => {
  const u = fixtureMatrix('w1d_u');
  const v = fixtureMatrix('w1d_v');
  close(wasserstein1d(u.data, v.data), REF.emd!.w1d!, 1e-6, 0, 'w1d');
  const r = emd(u, v, new Rng(0));
  close(r.emd, REF.emd!.w1d!, 1e-6, 0, 'emd dispatch');
});

test('linearSumAssignment [3,3] picks the anti-diagonal optimum', () => {
  const c = Float64Array.from([4, 1, 3, 2, 0, 5, 3, 2, 2]);
  // Optimum 1 + 2 + 2 = 5: rows -> columns 1, 0, 2.
  assert.deepEqual(Array.from(linearSumAssignment(c, 3)), [1, 0, 2]);
});

test('swd [300,2] of a set with itself is 0 and below emd for a shift', () => {
  const rng = new Rng(9);
  const x = gaussian(rng, 300, 2);
  close(slicedWasserstein(x, x, new Rng(1)), 0, 0, 1e-12, 'swd self');
  const y = { data: x.data.map((v) => v + 1), shape: x.shape } as typeof x;
  const s = slicedWasserstein(x, y, new Rng(1), { projections: 256 });
  // Shift by (1, 1): W1 = sqrt 2; each slice moves by |cos| sqrt 2, whose
  // mean over directions is (2 / pi) sqrt 2.
  close(s, (2 / Math.PI) * Math.SQRT2, 0.05, 0, 'swd shift');
  assert.ok(s <= Math.SQRT2 + 1e-9);
});

test('emd [100,2] vs [80,2] unequal sizes -> subsets with a warning', () => {
  const rng = new Rng(4);
  const r = emd(gaussian(rng, 100, 2), gaussian(rng, 80, 2), new Rng(0));
  assert.ok(r.emd > 0);
  assert.match(r.warnings[0]!, /matched random subsets of 80 samples/);
});
