// Toy mixtures: means checked against their closed forms (REFERENCES.md
// section 1), sampling checked by its moments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  getMixture,
  modeWeights,
  sampleMixture,
} from '../../src/data/mixtures.js';
import { Rng } from '../../src/util/rng.js';

function close(actual: number, expected: number, tol: number, what: string) {
  assert.ok(
    Math.abs(actual - expected) <= tol,
    `${what}: actual ${actual}, expected ${expected} (tol ${tol})`,
  );
}

test('ring8 means [8,2] at angles 2 pi i / 8, radius 2, std 0.02', () => {
  const m = getMixture('ring8');
  assert.equal(m.means.length, 16);
  assert.equal(m.std, 0.02);
  for (let i = 0; i < 8; i++) {
    close(m.means[2 * i]!, 2 * Math.cos((Math.PI * i) / 4), 1e-12, `x[${i}]`);
    close(m.means[2 * i + 1]!, 2 * Math.sin((Math.PI * i) / 4), 1e-12,
      `y[${i}]`);
    close(m.weights[i]!, 1 / 8, 1e-15, `w[${i}]`);
  }
  // 8 distinct modes (the linspace bug would give 7): neighbours 2 sin(pi/8)
  // * 2 = 1.5307 apart.
  for (let i = 0; i < 8; i++) {
    const j = (i + 1) % 8;
    const d = Math.hypot(m.means[2 * i]! - m.means[2 * j]!,
      m.means[2 * i + 1]! - m.means[2 * j + 1]!);
    close(d, 4 * Math.sin(Math.PI / 8), 1e-12, `gap ${i}-${j}`);
  }
});

test('grid25 means [25,2] = {-4,-2,0,2,4}^2, std 0.05', () => {
  const m = getMixture('grid25');
  assert.equal(m.std, 0.05);
  const seen = new Set<string>();
  for (let k = 0; k < 25; k++) {
    seen.add(`${m.means[2 * k]},${m.means[2 * k + 1]}`);
  }
  const want = new Set<string>();
  for (const x of [-4, -2, 0, 2, 4]) {
    for (const y of [-4, -2, 0, 2, 4]) want.add(`${x},${y}`);
  }
  assert.deepEqual(seen, want);
});

test('spiral means [10,2]: radii sqrt(1 + 5k/3), modes > 40 std apart', () => {
  const m = getMixture('spiral');
  assert.equal(m.means.length, 20);
  let minGap = Infinity;
  for (let i = 0; i < 10; i++) {
    const r = Math.hypot(m.means[2 * i]!, m.means[2 * i + 1]!);
    close(r, Math.sqrt(1 + (5 * i) / 3), 1e-12, `r[${i}]`);
    for (let j = 0; j < i; j++) {
      minGap = Math.min(minGap, Math.hypot(m.means[2 * i]! - m.means[2 * j]!,
        m.means[2 * i + 1]! - m.means[2 * j + 1]!));
    }
  }
  assert.ok(minGap > 40 * m.std, `closest modes ${minGap} apart`);
});

test('weights skewed = Zipf 1/(k+1); drop zeroes and renormalises', () => {
  const s = getMixture('ring8', { weights: 'skewed' });
  const h8 = [1, 2, 3, 4, 5, 6, 7, 8].reduce((a, k) => a + 1 / k, 0);
  for (let k = 0; k < 8; k++) {
    close(s.weights[k]!, 1 / (k + 1) / h8, 1e-15, `w[${k}]`);
  }
  const d = getMixture('grid25', { drop: [0, 24] });
  assert.equal(d.weights[0], 0);
  assert.equal(d.weights[24], 0);
  close(d.weights[1]!, 1 / 23, 1e-15, 'w[1]');
  assert.equal(d.means.length, 50, 'dropped modes keep their means');
  const c = modeWeights(3, { weights: [1, 3, 0] }, 'x');
  assert.deepEqual(Array.from(c), [0.25, 0.75, 0]);
});

test('sampleMixture ring8 [20000,2]: mode shares and std match', () => {
  const m = getMixture('ring8', { weights: [4, 0, 1, 1, 1, 1, 0, 0] });
  const x = sampleMixture(m, 20000, new Rng(11));
  assert.equal(x.length, 40000);
  const counts = new Array<number>(8).fill(0);
  let sq = 0;
  for (let i = 0; i < 20000; i++) {
    let best = 0;
    let bd = Infinity;
    for (let k = 0; k < 8; k++) {
      const d = (x[2 * i]! - m.means[2 * k]!) ** 2 +
        (x[2 * i + 1]! - m.means[2 * k + 1]!) ** 2;
      if (d < bd) {
        bd = d;
        best = k;
      }
    }
    counts[best]!++;
    sq += bd;
  }
  // Share standard error sqrt(p(1-p)/n) <= 0.0035: allow 4 of them.
  const want = [0.5, 0, 0.125, 0.125, 0.125, 0.125, 0, 0];
  counts.forEach((c, k) => close(c / 20000, want[k]!, 0.014, `share[${k}]`));
  close(Math.sqrt(sq / 40000), 0.02, 0.0005, 'std');
});

test('sampleMixture is deterministic per seed and fills out', () => {
  const m = getMixture('spiral');
  const a = sampleMixture(m, 100, new Rng(5));
  const buf = new Float32Array(300);
  const b = sampleMixture(m, 100, new Rng(5), buf);
  assert.deepEqual(Array.from(b), Array.from(a));
  assert.equal(b.buffer, buf.buffer);
});

test('getMixture rejects bad weights, drops and names', () => {
  assert.throws(() => getMixture('ring8', { weights: [1, 2] }), {
    message: 'mixture ring8: weights must have 8 entries (one per mode), ' +
      'but got 2',
  });
  assert.throws(() => getMixture('ring8', { weights: [1, 1, 1, -1, 1, 1, 1,
    1] }), {
    message: 'mixture ring8: weights[3] must be a finite number >= 0, ' +
      'but got -1',
  });
  assert.throws(() => getMixture('ring8', { drop: [8] }), {
    message: 'mixture ring8: drop must list mode indices in [0, 7], ' +
      'but got 8',
  });
  assert.throws(
    () => getMixture('ring8', { drop: [0, 1, 2, 3, 4, 5, 6, 7] }),
    {
      message: 'mixture ring8: weights must leave at least one mode with ' +
        'weight > 0, but got all 8 modes at 0\n  hint: drop fewer modes',
    },
  );
  assert.throws(() => getMixture('ring9' as 'ring8'), {
    message: 'mixture: name must be one of ring8, grid25, spiral, ' +
      'but got "ring9"',
  });
});
