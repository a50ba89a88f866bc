import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { fid, fidStats, frechetDistance } from '../../src/metrics/fid.js';
import { readNpz } from '../../src/io/npy.js';
import { Rng } from '../../src/util/rng.js';
import { fidProductEigenvaluesJs } from '../../src/linalg/dense.js';
import { FIXTURES, REF, close, fixtureMatrix, gaussian } from './helpers.js';

// Expected values: scripts/fixtures/metrics.py, pytorch-fid's
// calculate_frechet_distance (scipy sqrtm) on float64 np.cov statistics.
test('fid [300,16] vs [250,16] matches pytorch-fid to 1e-6', () => {
  const r = fid(fixtureMatrix('fid_full_real'), fixtureMatrix('fid_full_fake'));
  close(r.fid, REF.fid_full!.fid!, 1e-6, 0, 'fid');
  assert.equal(r.offsetAdded, false);
  assert.equal(r.route, 'cholesky');
  assert.deepEqual(r.warnings, []);
});

for (const route of ['cholesky', 'eigh'] as const) {
  test(`fid [300,16] vs [250,16] route ${route} matches pytorch-fid`, () => {
    const r = fid(fixtureMatrix('fid_full_real'),
      fixtureMatrix('fid_full_fake'), { route });
    assert.equal(r.route, route);
    close(r.fid, REF.fid_full!.fid!, 1e-6, 0, 'fid');
  });
  test(`fid [300,16] vs [250,16] JS route ${route} matches pytorch-fid`,
    () => {
      // The plain-JS fallback, called directly (the addon may be loaded).
      const a = fidStats(fixtureMatrix('fid_full_real'));
      const b = fidStats(fixtureMatrix('fid_full_fake'));
      const { values } = fidProductEigenvaluesJs(a.sigma, b.sigma, 16, route);
      let fidJs = 0;
      for (let i = 0; i < 16; i++) {
        fidJs += (a.mu[i]! - b.mu[i]!) ** 2 + a.sigma[i * 17]! +
          b.sigma[i * 17]!;
      }
      for (const l of values) fidJs -= 2 * Math.sqrt(Math.max(l, 0));
      close(fidJs, REF.fid_full!.fid!, 1e-6, 0, 'fid');
    });
}

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
  // Both N <= D: neither covariance can be factored, so the eigh route.
  assert.equal(r.route, 'eigh');
  assert.equal(r.warnings[0],
    'fid: 40 real samples do not exceed the feature dimension 64, so the ' +
    'covariance is singular and the score is biased upwards; use more ' +
    'than 64 (10,000 or more is usual, 50,000 in papers)');
  assert.match(r.warnings[1]!, /^fid: 50 fake samples do not exceed/);
});

test('fid [40,64] rank-deficient with route cholesky -> error', () => {
  assert.throws(() => fid(fixtureMatrix('fid_rankdef_real'),
    fixtureMatrix('fid_rankdef_fake'), { route: 'cholesky' }), {
    message: 'fid: route cholesky needs a positive definite covariance, ' +
      "but neither is\n  hint: use route 'auto', which falls back to 'eigh'",
  });
});

test('fid [300,16] vs [10,16]: singular fake, Cholesky of the real one', () => {
  // The trace is symmetric in S1 and S2: the full-rank real covariance is
  // factored even though the fake one is singular; the eigh route (S1 =
  // real) is the cross-check.
  const real = fixtureMatrix('fid_full_real');
  const f = fixtureMatrix('fid_full_fake');
  const fake = { data: f.data.subarray(0, 160), shape: [10, 16] as [number,
    number] };
  const a = fid(fake, real);
  const b = fid(fake, real, { route: 'eigh' });
  assert.equal(a.route, 'cholesky');
  // The eigh route takes square roots of S1's 6 zero eigenvalues, which
  // roundoff leaves at ~1e-16 of the trace: ~1e-8 each, so 1e-7 relative.
  close(a.fid, b.fid, 1e-7, 0, 'fid');
  assert.equal(a.warnings.length, 1);
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
