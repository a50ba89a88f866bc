// mlp, dcganGenerator and dcganDiscriminator: parameter names, output
// shapes, and forward passes with fixture weights against PyTorch modules
// (test/fixtures/nn/nets.npz, from scripts/fixtures/nn_fixtures.py; batch
// norm, spectral norm (torch.nn.utils.spectral_norm), minibatch
// discrimination and PacGAN packing included). Also: second-order
// gradients through relu, leakyRelu and tanh nets.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initRuntime, tf } from '../../src/runtime/tf.js';
import { dcganDiscriminator, dcganGenerator } from '../../src/nn/dcgan.js';
import { mlp } from '../../src/nn/mlp.js';
import { isWeightParam, splitParams } from '../../src/nn/params.js';
import type { Net, TensorMap } from '../../src/nn/types.js';
import { gradientPenalty } from '../../src/gan/penalties.js';
import { Rng } from '../../src/util/rng.js';
import { assertClose, fixture } from './_helpers.js';

before(async () => {
  await initRuntime('cpu');
});

/** The fixture's params and state for `name`; keys must match init()'s. */
function load(name: string, net: Net): { params: TensorMap; state: TensorMap } {
  const f = fixture('nets.npz');
  const fresh = net.init(new Rng(0));
  const pick = (kind: 'p' | 's', keys: string[]) =>
    Object.fromEntries(keys.map((k) => [k, f.t(`${name}/${kind}/${k}`)]));
  const params = pick('p', Object.keys(fresh.params));
  const state = pick('s', Object.keys(fresh.state));
  for (const [k, v] of Object.entries({ ...fresh.params, ...fresh.state })) {
    const got = (params[k] ?? state[k])!.shape;
    assert.deepEqual(got, v.shape, `${name} ${k}: fixture shape`);
  }
  return { params, state };
}

test('mlp [6,2] hidden [8,8] leakyRelu + batch norm, train/eval -> PyTorch',
  () => {
    const net = mlp({
      inputDim: 2,
      hidden: [8, 8],
      outputDim: 1,
      activation: 'leakyRelu',
      batchNorm: true,
    });
    const { params, state } = load('mlp1', net);
    assert.deepEqual(Object.keys(params).sort(), ['bn0/beta', 'bn0/gamma',
      'bn1/beta', 'bn1/gamma', 'fc0/w', 'fc1/w', 'out/b', 'out/w']);
    const f = fixture('nets.npz');
    const x = f.t('mlp1/x');
    const tr = net.apply(params, state, x, { training: true });
    assertClose(tr.y, f.t('mlp1/y'), 'train y', { atol: 1e-4 });
    for (const k of ['bn0/mean', 'bn0/var', 'bn1/mean', 'bn1/var']) {
      assertClose(tr.state[k]!, f.t(`mlp1/${k}1`), k);
    }
    const ev = net.apply(params, tr.state, x, { training: false });
    assertClose(ev.y, f.t('mlp1/yeval'), 'eval y', { atol: 1e-4 });
    assert.equal(ev.state, tr.state, 'eval returns its state');
  });

test('mlp [6,3] pack 2, spectral norm, minibatch, tanh, sigmoid -> [3,2] ' +
  'PyTorch', () => {
  const net = mlp({
    inputDim: 3,
    hidden: [8],
    outputDim: 2,
    activation: 'tanh',
    spectralNorm: true,
    minibatch: { kernels: 3, kernelDim: 2 },
    pack: 2,
    outputActivation: 'sigmoid',
  });
  const { params, state } = load('mlp2', net);
  assert.deepEqual(Object.keys(state).sort(), ['fc0/u', 'out/u']);
  const f = fixture('nets.npz');
  const r = net.apply(params, state, f.t('mlp2/x'), { training: true });
  assert.deepEqual(r.y.shape, [3, 2]);
  assertClose(r.y, f.t('mlp2/y'), 'y', { atol: 1e-4 });
  assertClose(r.state['fc0/u']!, f.t('mlp2/fc0/u1'), 'fc0/u');
  assertClose(r.state['out/u']!, f.t('mlp2/out/u1'), 'out/u');
});

test('dcganGenerator z [3,4] width 4 -> [3,28,28,1] PyTorch', () => {
  const net = dcganGenerator({ zDim: 4, channels: 1, width: 4 });
  assert.deepEqual(net.outputShape, [28, 28, 1]);
  const { params, state } = load('gen', net);
  const f = fixture('nets.npz');
  const r = net.apply(params, state, f.t('gen/x'), { training: true });
  assert.deepEqual(r.y.shape, [3, 28, 28, 1]);
  assertClose(r.y, f.t('gen/y'), 'y', { atol: 1e-4 });
});

test('dcganDiscriminator [4,28,28,3] width 4 batch norm -> [4,1] PyTorch',
  () => {
    const net = dcganDiscriminator({ channels: 3, width: 4 });
    const { params, state } = load('disc1', net);
    const f = fixture('nets.npz');
    const r = net.apply(params, state, f.t('disc1/x'), { training: true });
    assert.deepEqual(r.y.shape, [4, 1]);
    assertClose(r.y, f.t('disc1/y'), 'y', { atol: 1e-4 });
  });

test('dcganDiscriminator [4,28,28,1] pack 2, spectral norm, minibatch -> ' +
  '[2,1] PyTorch', () => {
  const net = dcganDiscriminator({
    channels: 1,
    width: 4,
    batchNorm: false,
    spectralNorm: true,
    minibatch: { kernels: 3, kernelDim: 2 },
    pack: 2,
  });
  const { params, state } = load('disc2', net);
  const f = fixture('nets.npz');
  const r = net.apply(params, state, f.t('disc2/x'), { training: true });
  assert.deepEqual(r.y.shape, [2, 1]);
  assertClose(r.y, f.t('disc2/y'), 'y', { atol: 1e-4 });
  for (const k of ['conv0/u', 'conv1/u', 'out/u']) {
    assertClose(r.state[k]!, f.t(`disc2/${k}1`), k);
  }
});

test('dcgan default width 64: shapes; init is seeded', () => {
  const g = dcganGenerator({ zDim: 16, channels: 3 });
  const d = dcganDiscriminator({ channels: 3, minibatch: { kernels: 5,
    kernelDim: 3 } });
  const a = g.init(new Rng(7));
  const b = g.init(new Rng(7));
  assert.deepEqual(a.params['fc/w']!.shape, [16, 7 * 7 * 128]);
  assert.deepEqual(Array.from(a.params['deconv1/w']!.dataSync()),
    Array.from(b.params['deconv1/w']!.dataSync()), 'same seed, same draw');
  const y = g.apply(a.params, a.state, tf.ones([2, 16]), { training: false });
  assert.deepEqual(y.y.shape, [2, 28, 28, 3]);
  const p = d.init(new Rng(1));
  assert.deepEqual(p.params['out/w']!.shape, [7 * 7 * 128 + 5, 1]);
  assert.deepEqual(Array.from(p.params['mbd/b']!.dataSync()), [-1, -1, -1,
    -1, -1]);
  const o = d.apply(p.params, p.state, y.y, { training: true });
  assert.deepEqual(o.y.shape, [2, 1]);
});

test('init pytorch: dense weights within 1/sqrt(fanIn); normal02 std', () => {
  const a = mlp({ inputDim: 100, hidden: [400], outputDim: 1,
    activation: 'relu' }).init(new Rng(3)).params;
  const w = a['fc0/w']!.dataSync();
  const bound = 1 / Math.sqrt(100);
  assert.ok(w.every((v) => Math.abs(v) <= bound), 'U(+-1/sqrt(fanIn))');
  const b = mlp({ inputDim: 100, hidden: [400], outputDim: 1,
    activation: 'relu', init: 'normal02', batchNorm: true })
    .init(new Rng(3)).params;
  const v = Array.from(b['fc0/w']!.dataSync());
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  const std = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) /
    v.length);
  assert.ok(Math.abs(std - 0.02) < 0.001, `std ${std}`);
  assert.ok(b['out/b']!.dataSync().every((x) => x === 0), 'zero biases');
});

test('splitParams: weights are */w and */T', () => {
  const net = mlp({ inputDim: 2, hidden: [4], outputDim: 1,
    activation: 'relu', batchNorm: true, minibatch: { kernels: 2,
      kernelDim: 2 } });
  const s = splitParams(net.init(new Rng(0)).params);
  assert.deepEqual(s.weights, ['fc0/w', 'mbd/T', 'out/w']);
  assert.deepEqual(s.others, ['bn0/beta', 'bn0/gamma', 'mbd/b', 'out/b']);
  assert.equal(isWeightParam('conv1/w'), true);
});

for (const activation of ['relu', 'leakyRelu', 'tanh'] as const) {
  test(`second-order: grad of GP through a ${activation} mlp (batch norm, ` +
    'minibatch) is finite', () => {
    const net = mlp({ inputDim: 2, hidden: [16, 16], outputDim: 1,
      activation, batchNorm: true, minibatch: { kernels: 4,
        kernelDim: 3 } });
    const { params, state } = net.init(new Rng(11));
    const names = Object.keys(params);
    const rng = new Rng(5);
    const real = tf.tensor2d(rng.normalArray(16), [8, 2]);
    const fake = tf.tensor2d(rng.normalArray(16), [8, 2]);
    const alpha = tf.tensor1d(rng.uniformArray(8));
    // Biases that only shift the input of the last (linear) layer do not
    // reach an input gradient, so tf.grads would have no path: leave out.
    const xs = names.filter((n) => n !== 'out/b' && n !== 'mbd/b');
    const g = tf.grads((...p: tf.Tensor[]) => {
      const map = { ...params, ...Object.fromEntries(xs.map((n, i) =>
        [n, p[i]!])) };
      return gradientPenalty(
        (x) => net.apply(map, state, x, { training: true }).y,
        real, fake, alpha);
    })(xs.map((n) => params[n]!));
    g.forEach((t, i) => {
      assert.ok(t.dataSync().every(Number.isFinite), `${xs[i]} finite`);
    });
  });
}

test('mlp wrong input width -> error; bad options -> error', () => {
  const net = mlp({ inputDim: 2, hidden: [4], outputDim: 1,
    activation: 'relu' });
  const { params, state } = net.init(new Rng(0));
  assert.throws(() => net.apply(params, state, tf.ones([3, 5]),
    { training: false }), {
    message: 'mlp: x.shape must be [batch, 2], but got [3, 5]',
  });
  assert.throws(() => mlp({ inputDim: 2, hidden: [4, 0], outputDim: 1,
    activation: 'relu' }), {
    message: 'mlp: hidden[1] must be a positive integer, but got 0',
  });
  assert.throws(() => net.apply({}, state, tf.ones([3, 2]),
    { training: false }), (e: Error) =>
    e.message.startsWith('network: params must contain "fc0/w", but got ' +
      'keys []'));
});
