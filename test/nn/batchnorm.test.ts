// batchNorm against torch.nn.BatchNorm1d / BatchNorm2d (momentum 0.1,
// eps 1e-5) from test/fixtures/nn/batchnorm.npz: training output, running
// statistics (unbiased variance), evaluation output, gradients of sum(y r).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initRuntime, tf } from '../../src/runtime/tf.js';
import { batchNorm } from '../../src/nn/batchnorm.js';
import { assertClose, fixture } from './_helpers.js';

before(async () => {
  await initRuntime('cpu');
});

for (const [tag, dims] of [
  ['bn2', '[6,4]'],
  ['bn4', '[3,4,4,2] NHWC'],
] as const) {
  test(`batchNorm ${dims} train and eval -> PyTorch`, () => {
    const f = fixture('batchnorm.npz');
    const x = f.t(`${tag}_x`);
    const gamma = f.t(`${tag}_gamma`);
    const beta = f.t(`${tag}_beta`);
    const rm = f.t(`${tag}_rm`);
    const rv = f.t(`${tag}_rv`);
    const tr = batchNorm(x, gamma, beta, rm, rv, { training: true });
    assertClose(tr.y, f.t(`${tag}_y`), 'train y', { atol: 1e-4 });
    assertClose(tr.runningMean, f.t(`${tag}_rm1`), 'running mean');
    assertClose(tr.runningVar, f.t(`${tag}_rv1`), 'running var');
    const ev = batchNorm(x, gamma, beta, rm, rv, { training: false });
    assertClose(ev.y, f.t(`${tag}_yeval`), 'eval y', { atol: 1e-4 });
    assert.equal(ev.runningMean, rm, 'eval keeps running mean');
    assert.equal(ev.runningVar, rv, 'eval keeps running var');
    const r = f.t(`${tag}_r`);
    const g = tf.grads((xx, gg, bb) =>
      tf.sum(tf.mul(batchNorm(xx!, gg!, bb!, rm, rv, { training: true }).y,
        r)),
    )([x, gamma, beta]);
    assertClose(g[0]!, f.t(`${tag}_gx`), 'dx', { atol: 1e-4 });
    assertClose(g[1]!, f.t(`${tag}_ggamma`), 'dgamma', { atol: 1e-4 });
    assertClose(g[2]!, f.t(`${tag}_gbeta`), 'dbeta', { atol: 1e-4 });
  });
}

test('batchNorm gamma of the wrong size -> error', () => {
  const c3 = tf.ones([3]);
  assert.throws(
    () =>
      batchNorm(tf.ones([4, 2]), c3, c3, c3, c3, { training: true }),
    {
      message:
        'batchNorm: gamma.shape must be [2] (the channels of x), but got [3]',
    },
  );
});

test('batchNorm training on one value per channel -> error', () => {
  const c = tf.ones([2]);
  assert.throws(
    () => batchNorm(tf.ones([1, 2]), c, c, c, c, { training: true }),
    {
      message:
        'batchNorm: values per channel in training must be more than 1, ' +
        'but got 1',
    },
  );
});
