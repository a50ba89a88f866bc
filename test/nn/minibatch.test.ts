// minibatchDiscrimination against a PyTorch autograd computation of the
// Salimans et al. layer with an explicit j != i mask
// (test/fixtures/nn/minibatch.npz): output and gradients of sum(y r).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initRuntime, tf } from '../../src/runtime/tf.js';
import { minibatchDiscrimination } from '../../src/nn/minibatch.js';
import { assertClose, fixture } from './_helpers.js';

before(async () => {
  await initRuntime('cpu');
});

test('minibatchDiscrimination f [6,5], T [5,12] B 3 C 4 -> [6,8] PyTorch',
  () => {
    const f = fixture('minibatch.npz');
    const x = f.t('f');
    const T = f.t('T');
    const b = f.t('bias');
    const opts = { B: 3, C: 4 };
    const y = minibatchDiscrimination(x, T, b, opts);
    assert.deepEqual(y.shape, [6, 8]);
    assertClose(y, f.t('y'), 'y');
    const r = f.t('r');
    const g = tf.grads((xx, tt, bb) =>
      tf.sum(tf.mul(minibatchDiscrimination(xx!, tt!, bb!, opts), r)),
    )([x, T, b]);
    assertClose(g[0]!, f.t('gf'), 'df');
    assertClose(g[1]!, f.t('gT'), 'dT');
    assertClose(g[2]!, f.t('gbias'), 'dbias');
  });

test('minibatchDiscrimination identical samples -> o = batch - 1 + bias',
  () => {
    // Analytic: every L1 distance is 0, so each of the batch - 1 other
    // samples contributes exp(0) = 1.
    const y = minibatchDiscrimination(
      tf.ones([4, 3]),
      tf.ones([3, 2 * 5]),
      tf.tensor1d([-1, 0.5]),
      { B: 2, C: 5 },
    );
    assertClose(y, new Float32Array([1, 1, 1, 2, 3.5, 1, 1, 1, 2, 3.5,
      1, 1, 1, 2, 3.5, 1, 1, 1, 2, 3.5]), 'y');
  });

test('minibatchDiscrimination T of the wrong shape -> error', () => {
  assert.throws(
    () =>
      minibatchDiscrimination(tf.ones([4, 3]), tf.ones([3, 9]),
        tf.ones([2]), { B: 2, C: 5 }),
    {
      message:
        'minibatchDiscrimination: T.shape must be [3, 10] ([A, B * C]), ' +
        'but got [3, 9]',
    },
  );
});
