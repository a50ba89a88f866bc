// packSamples: shapes and order, checked by hand against PacGAN's NCHW
// `view(-1, C * m, H, W)` convention (sample-major along the channels).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initRuntime, tf } from '../../src/runtime/tf.js';
import { packSamples } from '../../src/nn/pack.js';

before(async () => {
  await initRuntime('cpu');
});

test('packSamples features [6,2] m 3 -> [2,6], consecutive rows', () => {
  const x = tf.tensor2d([0, 1, 10, 11, 20, 21, 30, 31, 40, 41, 50, 51],
    [6, 2]);
  const y = packSamples(x, 3);
  assert.deepEqual(y.shape, [2, 6]);
  assert.deepEqual(Array.from(y.dataSync()),
    [0, 1, 10, 11, 20, 21, 30, 31, 40, 41, 50, 51]);
});

test('packSamples images [4,2,2,3] m 2 -> [2,2,2,6], channels by sample',
  () => {
    // value = 1000 sample + 100 row + 10 col + channel
    const data: number[] = [];
    for (let s = 0; s < 4; s++)
      for (let h = 0; h < 2; h++)
        for (let w = 0; w < 2; w++)
          for (let c = 0; c < 3; c++) {
            data.push(1000 * s + 100 * h + 10 * w + c);
          }
    const y = packSamples(tf.tensor4d(data, [4, 2, 2, 3]), 2);
    assert.deepEqual(y.shape, [2, 2, 2, 6]);
    const v = y.arraySync() as number[][][][];
    // group 1, pixel (1, 0): samples 2 then 3, channels 0..2 each
    assert.deepEqual(v[1]![1]![0], [2100, 2101, 2102, 3100, 3101, 3102]);
    assert.deepEqual(v[0]![0]![1], [10, 11, 12, 1010, 1011, 1012]);
  });

test('packSamples m 1 -> same tensor', () => {
  const x = tf.ones([3, 2]);
  assert.equal(packSamples(x, 1), x);
});

test('packSamples batch 6, m 4 -> error', () => {
  assert.throws(() => packSamples(tf.ones([6, 2]), 4), {
    message: 'packSamples: batch must be a multiple of m = 4, but got 6',
  });
  assert.throws(() => packSamples(tf.ones([6, 2]), 0), {
    message: 'packSamples: m must be a positive integer, but got 0',
  });
});
