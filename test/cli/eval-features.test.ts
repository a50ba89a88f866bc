// `modescope eval` end to end with the learned feature extractors:
// --features mnist (modescope's MNIST classifier, models/), Stacked MNIST
// mode counting, and --features inception:PATH with the width-1/16
// random-weight checkpoint of test/fixtures/features.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cli } from './eval-helpers.js';
import { readNpz, writeNpy } from '../../src/io/npy.js';
import { loadMnist } from '../../src/data/mnist.js';
import { MNIST_CLASSIFIER_FILE } from '../../src/features/mnist.js';
import { extractFeatures } from '../../src/features/index.js';
import { fid, inceptionScore, prdc } from '../../src/metrics/index.js';
import { PACKAGE_ROOT } from '../../src/runtime/tf.js';
import { Rng } from '../../src/util/rng.js';
import { close } from '../metrics/helpers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'modescope-evalf-'));
const skipMnist = fs.existsSync(MNIST_CLASSIFIER_FILE)
  ? false
  : `${MNIST_CLASSIFIER_FILE} is missing`;
const FEATURES = path.join(PACKAGE_ROOT, 'test', 'fixtures', 'features');
const INCEPTION = path.join(FEATURES, 'inception-w16-zip.pt');

/** MNIST test digits [from, from + n) as uint8 `[n, 28, 28]` .npy. */
function digitsFile(name: string, from: number, n: number): string {
  const src = loadMnist('test');
  const file = path.join(tmp, `${name}.npy`);
  writeNpy(file, [n, 28, 28],
    src.images.subarray(from * 784, (from + n) * 784));
  return file;
}

/**
 * `[n, 28, 28, 3]` uint8 Stacked MNIST from MNIST test digits: channel c
 * of image i is digit pick(i, c).
 */
function stackedFile(
  name: string,
  n: number,
  pick: (i: number, c: number) => number,
): string {
  const src = loadMnist('test');
  const out = new Uint8Array(n * 784 * 3);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      const from = pick(i, c) * 784;
      for (let p = 0; p < 784; p++) {
        out[(i * 784 + p) * 3 + c] = src.images[from + p]!;
      }
    }
  }
  const file = path.join(tmp, `${name}.npy`);
  writeNpy(file, [n, 28, 28, 3], out);
  return file;
}

test('eval --features mnist [1000,28,28] vs itself: fid 0, precision and ' +
  'recall 1; vs only ones: fid large, recall low', { skip: skipMnist },
  async () => {
    const real = digitsFile('digits', 0, 1000);
    const a = await cli(['eval', '--real', real, '--fake', real, '--features',
      'mnist', '--metrics', 'fid,pr', '--json']);
    assert.equal(a.code, 0, a.err);
    const j = JSON.parse(a.out);
    // Identical sets (analytic): FID 0 up to the roundoff of sqrt of the
    // covariance product's eigenvalues (~1e-8 of its trace).
    close(j.fid, 0, 0, 1e-4, 'fid');
    assert.equal(j.precision, 1);
    assert.equal(j.recall, 1);
    // 128-d features and 1000 samples: full-rank covariances, no warning.
    assert.doesNotMatch(a.err, /fid:/);
    // A collapsed generator: every sample a 1.
    const labels = loadMnist('test').labels;
    const ones: number[] = [];
    for (let i = 0; ones.length < 300; i++) if (labels[i] === 1) ones.push(i);
    const src = loadMnist('test').images;
    const onesData = new Uint8Array(300 * 784);
    ones.forEach((k, i) => onesData.set(src.subarray(k * 784, k * 784 + 784),
      i * 784));
    const onesFile = path.join(tmp, 'ones.npy');
    writeNpy(onesFile, [300, 28, 28], onesData);
    const b = await cli(['eval', '--real', real, '--fake', onesFile,
      '--features', 'mnist', '--metrics', 'fid,pr', '--json']);
    assert.equal(b.code, 0, b.err);
    const k = JSON.parse(b.out);
    assert.ok(k.fid > 100 * Math.max(j.fid, 1e-3), `fid ${k.fid}`);
    assert.ok(k.recall < 0.3, `recall ${k.recall}`);
  });

test('eval --features mnist --metrics is on 2000 real digits -> IS > 9',
  { skip: skipMnist }, async () => {
    // Ten balanced classes, each classified confidently: IS near its
    // maximum of 10 (Salimans et al.'s score with 10 classes).
    const file = digitsFile('digits2000', 0, 2000);
    const r = await cli(['eval', '--real', file, '--fake', file,
      '--features', 'mnist', '--metrics', 'is', '--json']);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.ok(j.is.mean > 9 && j.is.mean <= 10, `IS ${j.is.mean}`);
    assert.ok(j.is.std < 0.5, `IS std ${j.is.std}`);
  });

test('eval --real stacked-mnist [4000,28,28,3] real triples: ~all 1000 ' +
  'modes, low KL', { skip: skipMnist }, async () => {
    // Uniform triples: 4000 draws see 1000 (1 - (1 - 1/1000)^4000) = 982
    // modes on average, and KL(q || uniform) ~ 999 / (2 * 4000) = 0.125
    // from sampling alone; the classifier's ~1% errors barely move either.
    const rng = new Rng(11);
    const file = stackedFile('stacked', 4000, () => rng.int(10000));
    const r = await cli(['eval', '--real', 'stacked-mnist', '--fake', file,
      '--metrics', 'modes', '--json']);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.equal(j.modes.total, 1000);
    assert.ok(j.modes.covered >= 950, `covered ${j.modes.covered}`);
    assert.ok(j.modes.kl < 0.25, `kl ${j.modes.kl}`);
    assert.equal(j.modes.highQuality, undefined);
    assert.match(r.err, /^warning: modes: 4000 samples is below the/m);
    assert.match(r.err, /protocol's 26000; fewer of the 1000 modes/);
  });

test('eval stacked [500,28,28,3] one repeated triple, detected by shape ' +
  'with --features mnist -> 1 mode, KL ln 1000', { skip: skipMnist },
  async () => {
    // One triple (test digits 0, 1, 2): q is a point mass, so
    // KL(q || uniform) = 1 * ln(1 / (1/1000)) = ln 1000 (analytic).
    const file = stackedFile('one-triple', 500, (_, c) => c);
    const rng = new Rng(12);
    const real = stackedFile('stacked-real', 500, () => rng.int(10000));
    const r = await cli(['eval', '--real', real, '--fake', file,
      '--features', 'mnist', '--metrics', 'modes,fid,pr', '--json']);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.deepEqual([j.modes.covered, j.modes.total], [1, 1000]);
    close(j.modes.kl, Math.log(1000), 1e-12, 0, 'kl');
    assert.ok(j.recall < 0.05, `recall ${j.recall}`);
    assert.equal(j.verdict, 'complete');
  });

test('eval --metrics is on Stacked MNIST -> exit 2', { skip: skipMnist },
  async () => {
    const file = stackedFile('is-stacked', 20, (i, c) => i + c);
    const r = await cli(['eval', '--real', 'stacked-mnist', '--fake', file,
      '--metrics', 'is']);
    assert.equal(r.code, 2);
    assert.equal(r.err, 'error: modescope eval: --metrics is needs one ' +
      'class distribution per sample, but Stacked MNIST samples hold three ' +
      'digits\n  hint: use --metrics modes, which classifies each digit\n');
  });

test('eval --real stacked-mnist with [3,4] fakes -> exit 2', async () => {
  const file = path.join(tmp, 'flat.npy');
  writeNpy(file, [3, 4], new Float32Array(12));
  const r = await cli(['eval', '--real', 'stacked-mnist', '--fake', file]);
  assert.equal(r.code, 2);
  assert.equal(r.err, 'error: modescope eval: --fake must be Stacked MNIST ' +
    'images [N, 28, 28, 3] for --real stacked-mnist, but got [3, 4]\n');
});

test('eval --metrics modes without known modes -> exit 2', async () => {
  const file = path.join(tmp, 'flat2.npy');
  writeNpy(file, [3, 4], new Float32Array(12));
  const r = await cli(['eval', '--real', file, '--fake', file, '--metrics',
    'modes']);
  assert.equal(r.code, 2);
  assert.equal(r.err, 'error: modescope eval: --metrics modes needs known ' +
    'modes: --real ring8, grid25 or stacked-mnist, or [N, 28, 28, 3] ' +
    `Stacked MNIST samples with --features mnist, but got "${file}"\n`);
});

test('eval --features inception:w16 --metrics is [2,17,23,3] = IS of ' +
  "PyTorch's logits", async () => {
  // The fixture's images and PyTorch's unbiased logits for them
  // (scripts/fixtures/features_inception.py); the expected IS applies
  // softmax and the IS formula to PyTorch's logits in float64.
  const io = readNpz(path.join(FEATURES, 'inception-w16-io.npz'));
  const file = path.join(tmp, 'inc-a.npy');
  writeNpy(file, io.a_images!.shape, io.a_images!.data as Uint8Array);
  const r = await cli(['eval', '--real', file, '--fake', file, '--features',
    `inception:${INCEPTION}`, '--metrics', 'is', '--is-splits', '1',
    '--json']);
  assert.equal(r.code, 0, r.err);
  const logits = io.a_logits_unbiased!.data as Float32Array;
  const probs = new Float32Array(logits.length);
  for (let i = 0; i < 2; i++) {
    const row = logits.subarray(i * 1008, (i + 1) * 1008);
    const mx = Math.max(...row);
    let s = 0;
    for (const v of row) s += Math.exp(v - mx);
    for (let c = 0; c < 1008; c++) {
      probs[i * 1008 + c] = Math.exp(row[c]! - mx) / s;
    }
  }
  const expected = inceptionScore({ data: probs, shape: [2, 1008] },
    { splits: 1 });
  close(JSON.parse(r.out).is.mean, expected.mean, 1e-4, 0, 'IS');
});

test('eval --features inception:w16 fid,prdc [8,20,20,3] = the metrics ' +
  'of extractFeatures', async () => {
  // The CLI must hand the extractor's pool3 features to the metrics
  // unchanged: the same numbers as calling the API directly.
  const rng = new Rng(13);
  const img = () => Uint8Array.from({ length: 8 * 20 * 20 * 3 },
    () => rng.int(256));
  const a = path.join(tmp, 'inc-real.npy');
  const b = path.join(tmp, 'inc-fake.npy');
  const ra = img();
  const fb = img();
  writeNpy(a, [8, 20, 20, 3], ra);
  writeNpy(b, [8, 20, 20, 3], fb);
  const r = await cli(['eval', '--real', a, '--fake', b, '--features',
    `inception:${INCEPTION}`, '--metrics', 'fid,prdc', '--json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  const feats = async (u: Uint8Array) => {
    const out = await extractFeatures(`inception:${INCEPTION}`, {
      data: Float32Array.from(u, (v) => v / 255),
      shape: [8, 20, 20, 3],
    });
    return { data: out.features.data, shape: [8, out.features.cols] } as {
      data: Float32Array; shape: [number, number] };
  };
  const fr = await feats(ra);
  const ff = await feats(fb);
  assert.equal(fr.shape[1], 128);
  close(j.fid, fid(fr, ff).fid, 1e-9, 0, 'fid');
  const p = prdc(fr, ff);
  assert.deepEqual([j.precision, j.recall, j.density, j.coverage],
    [p.precision, p.recall, p.density, p.coverage]);
  // 8 samples of 128-d features: both covariances are singular.
  assert.match(r.err, /^warning: fid: 8 real samples do not exceed the/m);
  assert.match(r.err, /the feature dimension 128, so the covariance/);
});
