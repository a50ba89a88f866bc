// spectralNormalize against torch.nn.utils.spectral_norm (one power
// iteration, training mode) from test/fixtures/nn/spectral.npz: sigma, the
// updated u, W / sigma and the gradient of sum((W / sigma) r) with u and v
// held constant. Evaluation-mode sigma = ||W normalise(u W)|| and
// convergence to the largest singular value are checked against numpy
// values in the same fixture.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initRuntime, tf } from '../../src/runtime/tf.js';
import { spectralNormalize } from '../../src/nn/spectral.js';
import { assertClose, fixture } from './_helpers.js';

before(async () => {
  await initRuntime('cpu');
});

for (const [tag, dims] of [
  ['dense', 'dense [5,3]'],
  ['conv', 'conv [3,3,2,4]'],
] as const) {
  test(`spectralNormalize ${dims} training -> torch spectral_norm`, () => {
    const f = fixture('spectral.npz');
    const w = f.t(`${tag}_w`);
    const u0 = f.t(`${tag}_u0`);
    const sn = spectralNormalize(w, u0, { training: true });
    assertClose(sn.sigma, f.arr(`${tag}_sigma`), 'sigma');
    assertClose(sn.u, f.t(`${tag}_u1`), 'u');
    assertClose(sn.w, f.t(`${tag}_wsn`), 'w / sigma');
    const r = f.t(`${tag}_r`);
    const g = tf.grad((ww: tf.Tensor) =>
      tf.sum(tf.mul(spectralNormalize(ww, u0, { training: true }).w, r)),
    )(w);
    assertClose(g, f.t(`${tag}_gw`), 'dW (u, v stopped)');
  });

  test(`spectralNormalize ${dims} eval: sigma = ||W v||, ` +
    'v = normalise(u W), u kept', () => {
    const f = fixture('spectral.npz');
    const w = f.t(`${tag}_w`);
    const u1 = f.t(`${tag}_u1`);
    const sn = spectralNormalize(w, u1, { training: false });
    assertClose(sn.sigma, f.arr(`${tag}_sigma_eval`), 'sigma (numpy)');
    assert.equal(sn.u, u1);
  });

  test(`spectralNormalize ${dims} 100 iterations -> top singular value`,
    () => {
      const f = fixture('spectral.npz');
      const w = f.t(`${tag}_w`);
      let u = f.t(`${tag}_u0`);
      let sigma = 0;
      for (let i = 0; i < 100; i++) {
        const sn = spectralNormalize(w, u, { training: true });
        u = sn.u;
        sigma = sn.sigma.dataSync()[0]!;
      }
      assertClose(sigma, f.arr(`${tag}_smax`), 'sigma vs svdvals[0]',
        { rtol: 1e-3 });
    });
}

test('spectralNormalize u of the wrong size -> error', () => {
  assert.throws(
    () => spectralNormalize(tf.ones([5, 3]), tf.ones([5]),
      { training: true }),
    {
      message:
        'spectralNormalize: u.shape must be [3] (the last axis of w), ' +
        'but got [5]',
    },
  );
});
