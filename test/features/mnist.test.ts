// The shipped MNIST classifier (models/mnist-classifier.npz, trained by
// scripts/train-mnist-classifier.py). The accuracy test is the proof of the
// >= 99% claim: labels come from the MNIST test set itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadMnist } from '../../src/data/mnist.js';
import { initRuntime } from '../../src/runtime/tf.js';
import { loadMnistClassifier } from '../../src/features/mnist.js';
import type { Images } from '../../src/features/types.js';

function testImages(n?: number): { images: Images; labels: Uint8Array } {
  const { images, labels } = loadMnist('test');
  const count = n ?? labels.length;
  const data = new Float32Array(count * 784);
  for (let i = 0; i < data.length; i++) data[i] = images[i]! / 255;
  return {
    images: { data, shape: [count, 28, 28, 1] },
    labels: labels.subarray(0, count),
  };
}

test('mnist classifier [10000,28,28,1] test set -> accuracy >= 0.99',
  async () => {
    await initRuntime();
    const model = await loadMnistClassifier();
    const { images, labels } = testImages();
    const probs = await model.classify(images);
    assert.deepEqual([probs.rows, probs.cols], [10000, 10]);
    let hits = 0;
    for (let i = 0; i < probs.rows; i++) {
      const row = probs.data.subarray(i * 10, i * 10 + 10);
      let best = 0;
      for (let k = 1; k < 10; k++) if (row[k]! > row[best]!) best = k;
      if (best === labels[i]) hits++;
    }
    const accuracy = hits / probs.rows;
    console.log(`# mnist test accuracy ${accuracy}`);
    assert.ok(accuracy >= 0.99, `accuracy ${accuracy} < 0.99`);
    model.dispose();
  });

test('mnist classifier [50,28,28,1] -> probs rows sum to 1, features ' +
  '[50,128], batch size does not change the result', async () => {
  await initRuntime();
  const model = await loadMnistClassifier();
  const { images } = testImages(50);
  const a = await model.apply(images, { batchSize: 7 });
  const b = await model.apply(images);
  assert.deepEqual([a.features.rows, a.features.cols], [50, 128]);
  for (let i = 0; i < 50; i++) {
    let s = 0;
    for (let k = 0; k < 10; k++) s += a.probs.data[i * 10 + k]!;
    assert.ok(Math.abs(s - 1) < 1e-5, `row ${i}: sum ${s}`);
  }
  for (let i = 0; i < a.features.data.length; i++) {
    const d = Math.abs(a.features.data[i]! - b.features.data[i]!);
    assert.ok(d < 1e-5, `features[${i}]: ${a.features.data[i]} vs ` +
      `${b.features.data[i]}`);
  }
  model.dispose();
});

test('mnist classifier [1000,28,28,1] -> every feature varies (none is ' +
  'constant, so feature covariances are not singular)', async () => {
  await initRuntime();
  const model = await loadMnistClassifier();
  const f = await model.features(testImages(1000).images);
  for (let j = 0; j < f.cols; j++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < f.rows; i++) {
      lo = Math.min(lo, f.data[i * f.cols + j]!);
      hi = Math.max(hi, f.data[i * f.cols + j]!);
    }
    assert.ok(hi - lo > 1e-3, `feature ${j}: range [${lo}, ${hi}]`);
  }
  model.dispose();
});

test('mnist classifier: [2,28,28,3] images -> error', async () => {
  await initRuntime();
  const model = await loadMnistClassifier();
  const images: Images = {
    data: new Float32Array(2 * 28 * 28 * 3),
    shape: [2, 28, 28, 3],
  };
  await assert.rejects(model.classify(images), {
    message: 'mnist.classify: images must be [n, 28, 28, 1], but got ' +
      '[2, 28, 28, 3]',
  });
  model.dispose();
});

test('mnist classifier: a pixel of 255 (unscaled) -> error', async () => {
  await initRuntime();
  const model = await loadMnistClassifier();
  const data = new Float32Array(784);
  data[5] = 255;
  await assert.rejects(model.features({ data, shape: [1, 28, 28, 1] }), {
    message:
      'mnist.features: image values must be finite and in [0, 1], but got ' +
      '255 at index 5\n  hint: scale pixels to [0, 1] (uint8 / 255; tanh ' +
      'outputs (x + 1) / 2)',
  });
  model.dispose();
});

test('mnist classifier: missing weights file -> error', async () => {
  await assert.rejects(loadMnistClassifier('/nonexistent/m.npz'), {
    message: new RegExp(
      '^mnist classifier: cannot load /nonexistent/m\\.npz \\(.*\\)\\n' +
        '  hint: reinstall modescope, or rebuild the weights with ' +
        '/usr/bin/python3 scripts/train-mnist-classifier\\.py$',
    ),
  });
});
