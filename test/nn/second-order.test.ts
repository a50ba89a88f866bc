// Second-order gradients through the ready-made networks: a gradient
// penalty's parameter gradients through the DCGAN discriminator (conv,
// spectral norm, minibatch discrimination, packing, batch norm), and an
// unrolled-GAN step (the generator's loss after one simulated
// discriminator update, differentiated through that update) checked
// against central differences.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initRuntime, tf } from '../../src/runtime/tf.js';
import { dcganDiscriminator } from '../../src/nn/dcgan.js';
import { mlp } from '../../src/nn/mlp.js';
import type { Net, TensorMap } from '../../src/nn/types.js';
import { discriminatorLoss, generatorLoss } from '../../src/gan/losses.js';
import { gradientPenalty, r1Penalty } from '../../src/gan/penalties.js';
import { Rng } from '../../src/util/rng.js';

before(async () => {
  await initRuntime('cpu');
});

/**
 * Gradients of `f(params)` for every name in `xs`: all finite, and not all
 * zero except for a batch-norm beta, which only moves a piecewise-linear
 * activation's kinks and so has an exactly zero second-order effect.
 */
function assertFiniteGrads(
  params: TensorMap,
  xs: string[],
  f: (p: TensorMap) => tf.Tensor,
): void {
  const g = tf.grads((...p: tf.Tensor[]) =>
    f({ ...params, ...Object.fromEntries(xs.map((n, i) => [n, p[i]!])) }),
  )(xs.map((n) => params[n]!));
  g.forEach((t, i) => {
    const v = t.dataSync();
    assert.ok(v.every(Number.isFinite), `${xs[i]}: not finite`);
    if (!xs[i]!.endsWith('/beta')) {
      assert.ok(v.some((x) => x !== 0), `${xs[i]}: all zero`);
    }
  });
}

function images(rng: Rng, n: number, c: number): tf.Tensor {
  return tf.tensor(rng.uniformArray(n * 28 * 28 * c, -1, 1), [n, 28, 28, c]);
}

test('GP through dcganDiscriminator (SN, minibatch, pack 2) [4,28,28,1]: ' +
  'finite, non-zero parameter grads', () => {
  const net = dcganDiscriminator({ channels: 1, width: 4, batchNorm: false,
    spectralNorm: true, minibatch: { kernels: 3, kernelDim: 2 }, pack: 2 });
  const { params, state } = net.init(new Rng(2));
  const rng = new Rng(3);
  const real = images(rng, 4, 1);
  const fake = images(rng, 4, 1);
  const alpha = tf.tensor1d(rng.uniformArray(4));
  const xs = Object.keys(params).filter((n) => n !== 'out/b' &&
    n !== 'mbd/b');
  assertFiniteGrads(params, xs, (p) => gradientPenalty(
    (x) => net.apply(p, state, x, { training: true }).y, real, fake, alpha));
});

test('R1 through dcganDiscriminator (batch norm) [3,28,28,3]: finite, ' +
  'non-zero parameter grads', () => {
  const net = dcganDiscriminator({ channels: 3, width: 4 });
  const { params, state } = net.init(new Rng(4));
  const real = images(new Rng(5), 3, 3);
  const xs = Object.keys(params).filter((n) => n !== 'out/b');
  assertFiniteGrads(params, xs, (p) => r1Penalty(
    (x) => net.apply(p, state, x, { training: true }).y, real));
});

/** G's loss after one SGD step of D on (real, G(z)), as a function of G. */
function unrolled(
  G: Net,
  D: Net,
  gParams: TensorMap,
  dParams: TensorMap,
  z: tf.Tensor,
  real: tf.Tensor,
): (gw: tf.Tensor) => tf.Scalar {
  const names = Object.keys(dParams);
  const ctx = { training: true };
  return (gw) => {
    const gp = { ...gParams, 'fc0/w': gw };
    const fake = G.apply(gp, {}, z, ctx).y;
    const grads = tf.grads((...p: tf.Tensor[]) => {
      const m = Object.fromEntries(names.map((n, i) => [n, p[i]!]));
      return discriminatorLoss('ns', D.apply(m, {}, real, ctx).y,
        D.apply(m, {}, fake, ctx).y);
    })(names.map((n) => dParams[n]!));
    const stepped = Object.fromEntries(names.map((n, i) =>
      [n, tf.sub(dParams[n]!, tf.mul(grads[i]!, 0.5))]));
    return generatorLoss('ns', D.apply(stepped, {}, fake, ctx).y);
  };
}

test('unrolled step through a tanh mlp D with minibatch: d/dG vs central ' +
  'differences', () => {
  const G = mlp({ inputDim: 3, hidden: [8], outputDim: 2,
    activation: 'tanh' });
  const D = mlp({ inputDim: 2, hidden: [8], outputDim: 1,
    activation: 'tanh', minibatch: { kernels: 2, kernelDim: 2 } });
  const g = G.init(new Rng(6)).params;
  const d = D.init(new Rng(7)).params;
  const rng = new Rng(8);
  const z = tf.tensor2d(rng.normalArray(12), [4, 3]);
  const real = tf.tensor2d(rng.normalArray(8), [4, 2]);
  const f = unrolled(G, D, g, d, z, real);
  const w = g['fc0/w']!;
  const grad = tf.grad(f)(w).dataSync();
  const base = w.dataSync();
  for (const i of [0, 5, 11, 17]) {
    const h = 1e-2;
    const at = (delta: number) => {
      const v = Float32Array.from(base);
      v[i]! += delta;
      return f(tf.tensor(v, w.shape)).dataSync()[0]!;
    };
    const fd = (at(h) - at(-h)) / (2 * h);
    assert.ok(Math.abs(grad[i]! - fd) <= 2e-3 + 2e-2 * Math.abs(fd),
      `dL/dw[${i}]: actual ${grad[i]}, expected ${fd} (central differences)`);
  }
});
