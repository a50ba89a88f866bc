import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { prdc, prdcSingleK } from '../../src/metrics/prdc.js';
import { diversity } from '../../src/metrics/diversity.js';
import { collapseVerdict } from '../../src/metrics/verdict.js';
import { Rng } from '../../src/util/rng.js';
import { REF, fixtureMatrix, gaussian } from './helpers.js';

// Expected values: scripts/fixtures/metrics.py, the prdc package's
// procedure on sklearn pairwise_distances. Fractions must agree exactly.
const pick = (r: { precision: number; recall: number; density: number;
  coverage: number }) => ({
  precision: r.precision, recall: r.recall, density: r.density,
  coverage: r.coverage,
});

test('prdc [500,10] vs [400,10] k=3 equals the prdc package exactly', () => {
  const r = prdcSingleK(fixtureMatrix('prdc_real'), fixtureMatrix('prdc_fake'), 3);
  assert.deepEqual(pick(r), REF.prdc_k3);
});

test('prdc [500,10] vs [400,10] k=5 equals the prdc package exactly', () => {
  const r = prdcSingleK(fixtureMatrix('prdc_real'), fixtureMatrix('prdc_fake'), 5);
  assert.deepEqual(pick(r), REF.prdc_k5);
});

test('prdc [200,4] vs [150,4] integer features with tied distances', () => {
  const r = prdcSingleK(
    fixtureMatrix('prdc_tied_real'), fixtureMatrix('prdc_tied_fake'), 3);
  assert.deepEqual(pick(r), REF.prdc_tied_k3);
});

test('prdc defaults: P/R with k=3, D/C with k=5', () => {
  const r = prdc(fixtureMatrix('prdc_real'), fixtureMatrix('prdc_fake'));
  assert.equal(r.precision, REF.prdc_k3!.precision);
  assert.equal(r.recall, REF.prdc_k3!.recall);
  assert.equal(r.density, REF.prdc_k5!.density);
  assert.equal(r.coverage, REF.prdc_k5!.coverage);
  assert.match(r.warnings[0]!, /400 samples is below the recommended 1000/);
});

test('prdc k >= sample count -> error', () => {
  const rng = new Rng(1);
  assert.throws(() => prdcSingleK(gaussian(rng, 5, 2), gaussian(rng, 3, 2), 3),
    { message: 'prdc: k must be an integer with 1 <= k < 3 (the smaller ' +
      'sample), but got 3' });
});

test('dup [200,2] collapsed fake: every sample a near-duplicate', () => {
  const rng = new Rng(2);
  const real = gaussian(rng, 200, 2);
  const fake = gaussian(rng, 200, 2, 1e-4);
  const r = diversity(real, fake, new Rng(0));
  assert.equal(r.duplicates, 1);
  assert.ok(r.pairwiseRatio < 0.01, `ratio ${r.pairwiseRatio}`);
});

test('dup [300,2] same distribution: few duplicates, ratio near 1', () => {
  const rng = new Rng(3);
  const r = diversity(gaussian(rng, 300, 2), gaussian(rng, 300, 2), new Rng(0));
  assert.ok(r.duplicates < 0.05, `duplicates ${r.duplicates}`);
  assert.ok(Math.abs(r.pairwiseRatio - 1) < 0.1, `ratio ${r.pairwiseRatio}`);
});

test('verdict: healthy numbers -> none', () => {
  const v = collapseVerdict({ precision: 0.48, recall: 0.47, coverage: 0.97,
    duplicates: 0.01, pairwiseRatio: 1.0, modes: { covered: 8, total: 8 } });
  assert.equal(v.verdict, 'none');
});

test('verdict: high precision, low recall, 5 of 8 modes -> partial', () => {
  const v = collapseVerdict({ precision: 0.9, recall: 0.3, coverage: 0.6,
    modes: { covered: 5, total: 8 } });
  assert.equal(v.verdict, 'partial');
  assert.deepEqual(v.evidence, [
    'partial: 5 of 8 modes covered',
    'partial: coverage 0.6 < 0.75',
    'partial: recall 0.3 is under half the precision 0.9 (samples are ' +
      'good but not varied)',
  ]);
});

test('verdict: one mode, 90% duplicates -> complete', () => {
  const v = collapseVerdict({ duplicates: 0.9, modes: { covered: 1, total: 8 } });
  assert.equal(v.verdict, 'complete');
  assert.deepEqual(v.evidence, [
    'complete: only 1 of 8 modes covered',
    'complete: 90% near-duplicates',
  ]);
});
