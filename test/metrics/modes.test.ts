// Mode metrics on hand-computed cases: every expected value below follows
// from the definitions in src/metrics/modes.ts by arithmetic alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { modeStats } from '../../src/metrics/modes.js';
import { getMixture, sampleMixture } from '../../src/data/mixtures.js';
import { Rng } from '../../src/util/rng.js';

const ring = getMixture('ring8');

function close(actual: number, expected: number, tol: number, what: string) {
  assert.ok(
    Math.abs(actual - expected) <= tol,
    `${what}: actual ${actual}, expected ${expected} (tol ${tol})`,
  );
}

/** `[n, 2]` points placed on the given modes' means, plus an offset. */
function onModes(modes: number[], dx = 0): Float32Array {
  const out = new Float32Array(modes.length * 2);
  modes.forEach((m, i) => {
    out[2 * i] = ring.means[2 * m]! + dx;
    out[2 * i + 1] = ring.means[2 * m + 1]!;
  });
  return out;
}

test('modeStats ring8 [2500,2] all on mode 0 -> kl ln 8, covered 1', () => {
  const s = modeStats(onModes(new Array(2500).fill(0)), ring);
  assert.equal(s.covered, 1);
  assert.equal(s.total, 8);
  assert.equal(s.highQuality, 1);
  close(s.kl, Math.log(8), 1e-12, 'kl');
  assert.deepEqual(s.counts, [2500, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(s.hqCounts, [2500, 0, 0, 0, 0, 0, 0, 0]);
});

test('modeStats ring8 [2400,2] 300 on each mode -> kl 0, covered 8', () => {
  const modes = Array.from({ length: 2400 }, (_, i) => i % 8);
  const s = modeStats(onModes(modes), ring);
  assert.equal(s.covered, 8);
  assert.equal(s.highQuality, 1);
  assert.equal(s.kl, 0);
  assert.deepEqual(s.counts, new Array(8).fill(300));
});

test('modeStats grid25 [2500,2] 100 on each mode -> kl 0 (no -1e-17)', () => {
  const grid = getMixture('grid25');
  const pts = new Float32Array(5000);
  for (let i = 0; i < 2500; i++) {
    pts[2 * i] = grid.means[2 * (i % 25)]!;
    pts[2 * i + 1] = grid.means[2 * (i % 25) + 1]!;
  }
  const s = modeStats(pts, grid);
  assert.equal(s.covered, 25);
  assert.equal(s.kl, 0);
});

test('modeStats ring8 [4,2] off every mode -> covered 0, hq 0', () => {
  // 4 std = 0.08 from the mean: outside the 3-std HQ radius 0.06.
  const s = modeStats(onModes([0, 0, 1, 2], 0.08), ring);
  assert.equal(s.covered, 0);
  assert.equal(s.highQuality, 0);
  assert.deepEqual(s.counts, [2, 1, 1, 0, 0, 0, 0, 0]);
  assert.deepEqual(s.hqCounts, new Array(8).fill(0));
  // q = (1/2, 1/4, 1/4), K = 8: kl = 1/2 ln 4 + 2 (1/4 ln 2) = 3/2 ln 2.
  close(s.kl, 1.5 * Math.log(2), 1e-12, 'kl');
});

test('modeStats ring8 [4,2] 3 on mode 0, 1 off -> kl 3/4 ln 6 + 1/4 ln 2',
  () => {
  const pts = onModes([0, 0, 0, 1]);
  pts[6]! += 0.5; // far from mode 1 but still nearest to it
  const s = modeStats(pts, ring);
  assert.equal(s.covered, 1);
  assert.equal(s.highQuality, 0.75);
  assert.deepEqual(s.counts, [3, 1, 0, 0, 0, 0, 0, 0]);
  // q = (3/4, 1/4): 3/4 ln(3/4 * 8) + 1/4 ln(1/4 * 8) = 3/4 ln 6 + 1/4 ln 2
  close(s.kl, 0.75 * Math.log(6) + 0.25 * Math.log(2), 1e-12, 'kl');
});

test('modeStats HQ radius is strict: 2.99 std in, 3.01 std out', () => {
  const pts = onModes([0, 1]);
  pts[0]! += 2.99 * ring.std;
  pts[2]! += 3.01 * ring.std;
  const s = modeStats(pts, ring);
  assert.deepEqual(s.hqCounts, [1, 0, 0, 0, 0, 0, 0, 0]);
  const wide = modeStats(pts, ring, { sigmas: 4 });
  assert.deepEqual(wide.hqCounts, [1, 1, 0, 0, 0, 0, 0, 0]);
});

test('modeStats ring8 dropped modes still count against coverage', () => {
  const train = getMixture('ring8', { drop: [2, 5] });
  const x = sampleMixture(train, 2500, new Rng(3));
  const s = modeStats(x, train);
  assert.equal(s.total, 8);
  assert.equal(s.covered, 6);
  assert.equal(s.counts[2], 0);
  assert.equal(s.counts[5], 0);
  // Six modes of 1/6 each against a uniform 1/8: kl near ln(8/6).
  close(s.kl, Math.log(8 / 6), 0.01, 'kl');
});

test('modeStats real ring8 samples [2500,2] -> HQ near 1 - exp(-4.5)', () => {
  // For an isotropic 2-D Gaussian, P(r < 3 std) = 1 - exp(-9/2) = 0.98889.
  const x = sampleMixture(ring, 2500, new Rng(7));
  const s = modeStats(x, ring);
  assert.equal(s.covered, 8);
  close(s.highQuality, 1 - Math.exp(-4.5), 0.006, 'highQuality');
  close(s.kl, 0, 0.01, 'kl');
});

test('modeStats rejects empty, odd-length and NaN samples', () => {
  assert.throws(() => modeStats(new Float32Array(0), ring), {
    message: 'modeStats: samples must be [n, 2] with n >= 1, but got 0 values',
  });
  assert.throws(() => modeStats(new Float32Array(3), ring), {
    message: 'modeStats: samples must be [n, 2] with n >= 1, but got 3 values',
  });
  assert.throws(() => modeStats(Float32Array.of(0, 0, 1, NaN), ring), {
    message:
      'modeStats: samples must be finite, but got NaN at [1, 1]\n' +
      '  hint: the generator diverged; check the loss curves',
  });
  assert.throws(() => modeStats(Float32Array.of(0, 0), ring, { sigmas: 0 }), {
    message: 'modeStats: sigmas must be a finite number > 0, but got 0',
  });
});
