// extractFeatures dispatch: spec parsing, shapes, and that each extractor
// gives what its model gives (Inception against PyTorch's dump of the
// width-1/16 fixture, scripts/fixtures/features_inception.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { readNpz } from '../../src/io/npy.js';
import { initRuntime, PACKAGE_ROOT } from '../../src/runtime/tf.js';
import {
  extractFeatures,
  parseFeatureSpec,
  type Images,
} from '../../src/features/index.js';

const DIR = path.join(PACKAGE_ROOT, 'test/fixtures/features');

test('features spec "raw", "mnist", "inception:a/b.pth" parse', () => {
  assert.deepEqual(parseFeatureSpec('raw'), { kind: 'raw' });
  assert.deepEqual(parseFeatureSpec('mnist'), { kind: 'mnist' });
  assert.deepEqual(parseFeatureSpec('inception:a/b.pth'), {
    kind: 'inception',
    path: 'a/b.pth',
  });
});

test('features spec "pixels" -> error', () => {
  assert.throws(() => parseFeatureSpec('pixels'), {
    message: '--features must be raw, mnist or inception:PATH, but got ' +
      '"pixels"',
  });
});

test('features spec "inception" without a path -> error with hint', () => {
  assert.throws(() => parseFeatureSpec('inception'), {
    message: '--features must be raw, mnist or inception:PATH, but got ' +
      '"inception"\n  hint: give the weights file: --features inception:' +
      'path/to/pt_inception-2015-12-05-6726825d.pth',
  });
});

test('features raw [3,2,2,1] images -> [3,4] vectors, same data', async () => {
  const data = Float32Array.from({ length: 12 }, (_, i) => i / 12);
  const out = await extractFeatures('raw', { data, shape: [3, 2, 2, 1] });
  assert.deepEqual([out.features.rows, out.features.cols], [3, 4]);
  assert.equal(out.features.data, data);
  assert.equal(out.probs, undefined);
});

test('features mnist on [4,2] vectors -> error', async () => {
  await assert.rejects(
    extractFeatures('mnist', { data: new Float32Array(8), rows: 4, cols: 2 }),
    {
      message: '--features mnist: input must be [n, 28, 28, 1] images, but ' +
        'got vectors [4, 2]\n  hint: use --features raw for tabular or toy ' +
        'data',
    },
  );
});

test('features inception on [4,2] vectors -> error', async () => {
  await assert.rejects(
    extractFeatures('inception:x.pth', {
      data: new Float32Array(8), rows: 4, cols: 2,
    }),
    {
      message: '--features inception: input must be [n, height, width, 3 ' +
        'or 1] images, but got vectors [4, 2]\n  hint: use --features raw ' +
        'for tabular or toy data',
    },
  );
});

test('features inception: missing weights file -> error saying where to ' +
  'get it', async () => {
  const images: Images = { data: new Float32Array(12), shape: [1, 2, 2, 3] };
  await assert.rejects(extractFeatures('inception:/no/such.pth', images), {
    message: 'inception: the weights file must exist, but "/no/such.pth" ' +
      'was not found\n  hint: download pt_inception-2015-12-05-6726825d.pth ' +
      "(pytorch-fid's FID Inception weights, 95 MB) from https://github.com/" +
      'mseitzer/pytorch-fid/releases/download/fid_weights/pt_inception-' +
      '2015-12-05-6726825d.pth and pass its path',
  });
});

test('features inception w16 [2,17,23,3] -> pool3 as PyTorch, probs = ' +
  'softmax of unbiased logits', async () => {
  await initRuntime();
  const io = readNpz(path.join(DIR, 'inception-w16-io.npz'));
  const a = io.a_images!;
  const images: Images = {
    data: Float32Array.from(a.data as Uint8Array, (v) => v / 255),
    shape: a.shape as [number, number, number, number],
  };
  const done: number[] = [];
  const out = await extractFeatures(
    `inception:${path.join(DIR, 'inception-w16-zip.pt')}`,
    images,
    { batchSize: 1, onProgress: (d) => done.push(d) },
  );
  assert.deepEqual(done, [1, 2]);
  assert.deepEqual([out.features.rows, out.features.cols], [2, 128]);
  const want = io.a_pool3!.data as Float32Array;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(out.features.data[i]! - want[i]!);
    assert.ok(d <= 1e-4, `pool3[${i}]: got ${out.features.data[i]}, ` +
      `expected ${want[i]} (PyTorch)`);
  }
  // softmax(unbiased logits) from PyTorch's logits, computed here in double.
  const logits = io.a_logits_unbiased!.data as Float32Array;
  for (let r = 0; r < 2; r++) {
    const row = Array.from(logits.subarray(r * 1008, (r + 1) * 1008));
    const max = Math.max(...row);
    const z = row.reduce((s, v) => s + Math.exp(v - max), 0);
    for (let j = 0; j < 1008; j++) {
      const e = Math.exp(row[j]! - max) / z;
      const g = out.probs!.data[r * 1008 + j]!;
      assert.ok(Math.abs(g - e) <= 1e-6 + 1e-4 * e,
        `probs[${r},${j}]: got ${g}, expected ${e}`);
    }
  }
});

test('features mnist [3,784] vectors = [3,28,28,1] images', async () => {
  await initRuntime();
  const data = Float32Array.from({ length: 3 * 784 }, (_, i) =>
    ((i * 7919) % 256) / 255);
  const a = await extractFeatures('mnist', { data, rows: 3, cols: 784 });
  const b = await extractFeatures('mnist', { data, shape: [3, 28, 28, 1] });
  assert.deepEqual([a.features.rows, a.features.cols], [3, 128]);
  assert.deepEqual([a.probs!.rows, a.probs!.cols], [3, 10]);
  assert.deepEqual(a.features.data, b.features.data);
  assert.deepEqual(a.probs!.data, b.probs!.data);
});
