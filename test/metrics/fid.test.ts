import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { fid, fidStats, frechetDistance } from '../../src/metrics/fid.js';
import { readNpz } from '../../src/io/npy.js';
import { Rng } from '../../src/util/rng.js';
import { FIXTURES, REF, close, fixtureMatrix, gaussian } from './helpers.js';

// Expected values: scripts/fixtures/metrics.py, pytorch-fid's
// calculate_frechet_distance (scipy sqrtm) on float64 np.cov statistics.
test('fid [300,16] vs [250,16] matches pytorch-fid to 1e-6', () => {
  const r = fid(fixtureMatrix('fid_full_real'), fixtureMatrix('fid_full_fake'));
  close(r.fid, REF.fid_full!.fid!, 1e-6, 0, 'fid');
  assert.equal(r.offsetAdded, false);
});

test('fid [40,64] vs [50,64] rank-deficient (N < D) matches pytorch-fid', () => {
  const r = fid(
    fixtureMatrix('fid_rankdef_real'),
    fixtureMatrix('fid_rankdef_fake'),
  );
  // sqrtm of the singular product stays finite, so the reference takes no
  // eps fallback, and neither does modescope.
  assert.equal(REF.fid_rankdef!.fallback, false);
  close(r.fid, REF.fid_rankdef!.fid!, 1e-6, 0, 'fid');
  assert.equal(r.offsetAdded, false);
  assert.match(r.warnings[0]!, /40 real samples is below the recommended 2048/);
});

test('fid from saved pytorch-fid stats .npz equals fid from features', () => {
  const z = readNpz(path.join(FIXTURES, 'fid_full_real_stats.npz'));
  const stats = {
    mu: z.mu!.data as Float64Array,
    sigma: z.sigma!.data as Float64Array,
    dim: 16,
  };
  const r = frechetDistance(stats, fidStats(fixtureMatrix('fid_full_fake')));
  close(r.fid, REF.fid_full!.fid!, 1e-6, 0, 'fid');
});

test('fid [64,256] identical sets -> 0 (analytic)', () => {
  const x = gaussian(new Rng(1), 64, 256);
  const r = fid(x, x);
  // N < D: ~190 zero eigenvalues come out as +-1e-14 and their square
  // roots as ~1e-7 each, so 0 holds to ~1e-5 against a trace of ~512
  // (scipy's sqrtm shows the same size of error).
  close(r.fid, 0, 0, 1e-5, 'fid');
});

test('fid [500,8] equal covariances -> squared mean distance (analytic)', () => {
  const x = gaussian(new Rng(2), 500, 8);
  // A shift by 0.5 (exact in float32 for these magnitudes is not needed:
  // the covariance is centred) leaves S1 = S2, so FID = ||mu1 - mu2||^2.
  const y = { data: x.data.map((v, i) => v + (i % 8) * 0.25), shape: x.shape };
  const r = fid(x, y as typeof x);
  let expected = 0;
  for (let j = 0; j < 8; j++) expected += (j * 0.25) ** 2;
  close(r.fid, expected, 1e-6, 1e-9, 'fid');
});

test('fid [10,3] vs [10,4] mismatched dimensions -> error', () => {
  const rng = new Rng(3);
  assert.throws(() => fid(gaussian(rng, 10, 3), gaussian(rng, 10, 4)), {
    message:
      'fid: fake features must have the real features\' dimension 3, but ' +
      'got 4\n  hint: compute both sets with the same feature extractor',
  });
});

test('fid [4,2] with NaN -> error naming the index', () => {
  const x = gaussian(new Rng(4), 4, 2);
  const y = gaussian(new Rng(5), 4, 2);
  y.data[5] = NaN;
  assert.throws(() => fid(x, y), {
    message:
      'fid: features must be finite, but got NaN at [2, 1]\n  hint: remove ' +
      'or repair the non-finite samples (a diverged generator produces NaN)',
  });
});
