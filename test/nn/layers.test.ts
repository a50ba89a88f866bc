// dense, conv2d and conv2dTranspose against PyTorch's F.conv2d and
// F.conv_transpose2d (test/fixtures/nn/layers.npz, from
// scripts/fixtures/nn_fixtures.py): values and gradients of sum(y * r).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initRuntime, tf } from '../../src/runtime/tf.js';
import { conv2d, conv2dTranspose, dense } from '../../src/nn/layers.js';
import { assertClose, fixture } from './_helpers.js';

before(async () => {
  await initRuntime('cpu');
});

test('dense [4,3] x [3,2] + b -> PyTorch', () => {
  const f = fixture('layers.npz');
  const y = dense(f.t('dense_x'), f.t('dense_w'), f.t('dense_b'));
  assertClose(y, f.t('dense_y'), 'y');
});

test('conv2d [2,9,9,3] k3 s2 p1 -> [2,5,5,5], value and grads', () => {
  const f = fixture('layers.npz');
  const x = f.t('conv_x');
  const w = f.t('conv_w');
  const b = f.t('conv_b');
  const r = f.t('conv_r');
  const y = conv2d(x, w, b, { stride: 2, pad: 1 });
  assertClose(y, f.t('conv_y'), 'y');
  const g = tf.grads((xx, ww, bb) =>
    tf.sum(tf.mul(conv2d(xx!, ww!, bb!, { stride: 2, pad: 1 }), r)),
  )([x, w, b]);
  assertClose(g[0]!, f.t('conv_gx'), 'dx');
  assertClose(g[1]!, f.t('conv_gw'), 'dw');
  assertClose(g[2]!, f.t('conv_gb'), 'db');
});

test('conv2dTranspose [2,7,7,4] k4 s2 p1 -> [2,14,14,3], value and grads',
  () => {
    const f = fixture('layers.npz');
    const x = f.t('convt_x');
    const w = f.t('convt_w');
    const b = f.t('convt_b');
    const r = f.t('convt_r');
    const opts = { stride: 2, pad: 1, outShape: [14, 14] as const };
    const y = conv2dTranspose(x, w, b, opts);
    assert.deepEqual(y.shape, [2, 14, 14, 3]);
    assertClose(y, f.t('convt_y'), 'y');
    const g = tf.grads((xx, ww, bb) =>
      tf.sum(tf.mul(conv2dTranspose(xx!, ww!, bb!, opts), r)),
    )([x, w, b]);
    assertClose(g[0]!, f.t('convt_gx'), 'dx');
    assertClose(g[1]!, f.t('convt_gw'), 'dw');
    assertClose(g[2]!, f.t('convt_gb'), 'db');
  });

test('conv2dTranspose 14 -> 28 with k4 s2 p1 (DCGAN sizes)', () => {
  const y = conv2dTranspose(tf.ones([1, 14, 14, 2]), tf.ones([4, 4, 1, 2]),
    null, { stride: 2, pad: 1, outShape: [28, 28] });
  assert.deepEqual(y.shape, [1, 28, 28, 1]);
});

test('conv2dTranspose unreachable outShape -> error', () => {
  assert.throws(
    () =>
      conv2dTranspose(tf.ones([1, 7, 7, 2]), tf.ones([4, 4, 1, 2]), null, {
        stride: 2,
        pad: 1,
        outShape: [16, 14],
      }),
    {
      message:
        'conv2dTranspose: outShape[0] must be a size that conv2d (k 4, ' +
        'stride 2, pad 1) maps to 7, but got 16',
    },
  );
});

test('dense rank-1 x -> error; conv2d channel mismatch -> error', () => {
  assert.throws(() => dense(tf.ones([3]), tf.ones([3, 2]), null), {
    message: 'dense: x must be rank 2 [batch, inDim], but got rank 1 ' +
      '(shape [3])',
  });
  assert.throws(
    () => conv2d(tf.ones([1, 5, 5, 3]), tf.ones([3, 3, 2, 4]), null),
    { message: 'conv2d: x channels must be w.shape[2] = 2, but got 3' },
  );
});

test('Conv2DBackpropFilter gradient: d/dx of <c, dL/dw> vs central ' +
  'differences', () => {
  // L(x, w) = sum(conv2d(x, w) * r); dL/dw is Conv2DBackpropFilter(x, r),
  // linear in x, so <c, dL/dw> has an exact x-gradient that central
  // differences reproduce up to float32 rounding.
  const x = tf.tensor(Float32Array.from({ length: 2 * 6 * 6 * 2 },
    (_, i) => Math.sin(i)), [2, 6, 6, 2]);
  const w = tf.tensor(Float32Array.from({ length: 4 * 4 * 2 * 3 },
    (_, i) => Math.cos(i)), [4, 4, 2, 3]);
  const r = tf.tensor(Float32Array.from({ length: 2 * 3 * 3 * 3 },
    (_, i) => Math.sin(2 * i)), [2, 3, 3, 3]);
  const c = tf.tensor(Float32Array.from({ length: 4 * 4 * 2 * 3 },
    (_, i) => Math.cos(3 * i)), [4, 4, 2, 3]);
  const inner = (xx: tf.Tensor) => {
    const gw = tf.grad((ww: tf.Tensor) =>
      tf.sum(tf.mul(conv2d(xx, ww, null, { stride: 2, pad: 1 }), r)))(w);
    return tf.sum(tf.mul(gw, c));
  };
  const gx = tf.grad(inner)(x).dataSync();
  const xs = x.dataSync();
  for (const i of [0, 7, 33, 71]) {
    const h = 1e-2;
    const plus = Float32Array.from(xs);
    const minus = Float32Array.from(xs);
    plus[i]! += h;
    minus[i]! -= h;
    const fp = inner(tf.tensor(plus, x.shape)).dataSync()[0]!;
    const fm = inner(tf.tensor(minus, x.shape)).dataSync()[0]!;
    const fd = (fp - fm) / (2 * h);
    assert.ok(Math.abs(gx[i]! - fd) <= 1e-2 + 1e-3 * Math.abs(fd),
      `dx[${i}]: actual ${gx[i]}, expected ${fd} (central differences)`);
  }
});
