// WGAN-GP and R1 against PyTorch's autograd.grad(create_graph=True)
// (test/fixtures/nn/penalties.npz, from scripts/fixtures/nn_fixtures.py):
// penalty values and the gradients of the penalty with respect to every
// critic parameter (double backpropagation), for an MLP critic
// (leakyRelu then tanh), a conv critic (4x4 s2 p1 conv, leakyRelu, dense)
// and a PacGAN-packed modescope mlp (m = 2).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initRuntime, tf } from '../../src/runtime/tf.js';
import { gradientPenalty, r1Penalty } from '../../src/gan/penalties.js';
import { conv2d, dense } from '../../src/nn/layers.js';
import { mlp } from '../../src/nn/mlp.js';
import { Rng } from '../../src/util/rng.js';
import { assertClose, fixture } from '../nn/_helpers.js';

before(async () => {
  await initRuntime('cpu');
});

const TOL = { atol: 1e-4, rtol: 1e-3 };

/**
 * Gradients of `pen` with respect to every parameter but the last one,
 * the critic's output bias, on which an input-gradient penalty does not
 * depend: tf.grads throws for such a parameter where PyTorch leaves .grad
 * unset (the fixture stores zeros for it, checked here).
 */
function penaltyGrads(
  pen: (p: tf.Tensor[]) => tf.Tensor,
  params: tf.Tensor[],
  expected: (i: number) => tf.Tensor,
  names: string[],
): void {
  const head = params.slice(0, -1);
  const last = params[params.length - 1]!;
  const g = tf.grads((...p: tf.Tensor[]) => pen([...p, last]))(head);
  head.forEach((_, i) =>
    assertClose(g[i]!, expected(i), `d/d${names[i]}`, TOL),
  );
  const n = params.length - 1;
  assertClose(tf.zerosLike(last), expected(n), `d/d${names[n]} (none)`);
}
const MLP_KEYS = ['w1', 'b1', 'w2', 'b2', 'w3', 'b3'];

function mlpCritic(p: tf.Tensor[]) {
  return (x: tf.Tensor) => {
    let h = tf.leakyRelu(dense(x, p[0]!, p[1]!), 0.2);
    h = tf.tanh(dense(h, p[2]!, p[3]!));
    return dense(h, p[4]!, p[5]!);
  };
}

for (const kind of ['gp', 'r1'] as const) {
  test(`${kind} MLP critic [6,4] value and parameter grads -> PyTorch`,
    () => {
      const f = fixture('penalties.npz');
      const params = MLP_KEYS.map((k) => f.t(`mlp_${k}`));
      const real = f.t('mlp_real');
      const fake = f.t('mlp_fake');
      const alpha = f.t('mlp_alpha');
      const pen = (p: tf.Tensor[]) =>
        kind === 'gp'
          ? gradientPenalty(mlpCritic(p), real, fake, alpha)
          : r1Penalty(mlpCritic(p), real);
      assertClose(pen(params), f.arr(`mlp_${kind}`), 'penalty', TOL);
      penaltyGrads(pen, params,
        (i) => f.t(`mlp_${kind}_g${MLP_KEYS[i]}`), MLP_KEYS);
    });

  test(`${kind} conv critic [3,8,8,2] value and parameter grads -> PyTorch`,
    () => {
      const f = fixture('penalties.npz');
      const keys = ['cw', 'cb', 'dw', 'db'];
      const params = keys.map((k) => f.t(`conv_${k}`));
      const critic = (p: tf.Tensor[]) => (x: tf.Tensor) => {
        const h = tf.leakyRelu(conv2d(x, p[0]!, p[1]!, { stride: 2, pad: 1 }),
          0.2);
        return dense(tf.reshape(h, [x.shape[0]!, -1]), p[2]!, p[3]!);
      };
      const real = f.t('conv_real');
      const pen = (p: tf.Tensor[]) =>
        kind === 'gp'
          ? gradientPenalty(critic(p), real, f.t('conv_fake'),
            f.t('conv_alpha'))
          : r1Penalty(critic(p), real);
      assertClose(pen(params), f.arr(`conv_${kind}`), 'penalty', TOL);
      penaltyGrads(pen, params, (i) => f.t(`conv_${kind}_g${keys[i]}`),
        keys);
    });
}

test('gp packed mlp (m 2) on [6,4]: value and grads -> PyTorch', () => {
  const f = fixture('penalties.npz');
  const net = mlp({
    inputDim: 4,
    hidden: [8],
    outputDim: 1,
    activation: 'leakyRelu',
    pack: 2,
  });
  const { params, state } = net.init(new Rng(1));
  const names = Object.keys(params).sort();
  assert.deepEqual(names, ['fc0/b', 'fc0/w', 'out/b', 'out/w']);
  const values = names.map((n) => f.t(`pac_${n.replace('/', '_')}`));
  const pen = (p: tf.Tensor[]) => {
    const map = Object.fromEntries(names.map((n, i) => [n, p[i]!]));
    const critic = (x: tf.Tensor) =>
      net.apply(map, state, x, { training: true }).y;
    return gradientPenalty(critic, f.t('mlp_real'), f.t('mlp_fake'),
      f.t('mlp_alpha'));
  };
  assertClose(pen(values), f.arr('pac_gp'), 'penalty', TOL);
  // Sorted names put out/b before out/w: reorder so the bias is last.
  const order = [0, 1, 3, 2];
  const ordered = order.map((i) => values[i]!);
  const orderedNames = order.map((i) => names[i]!);
  penaltyGrads(
    (p) => pen(order.map((_, j) => p[order.indexOf(j)]!)),
    ordered,
    (i) => f.t(`pac_gp_g${orderedNames[i]!.replace('/', '_')}`),
    orderedNames,
  );
});

test('gp critic with all-zero input gradient -> 1, finite grads', () => {
  // Analytic: a critic that ignores its input has grad 0, so the penalty
  // is (0 - 1)^2 = 1; the norm's epsilon keeps sqrt'(0) from giving NaN.
  const w = tf.ones([2, 1]);
  const pen = (ww: tf.Tensor) =>
    gradientPenalty((x) => tf.mul(dense(tf.mul(x, 0), ww, null), 1),
      tf.ones([3, 2]), tf.zeros([3, 2]), tf.tensor1d([0.1, 0.5, 0.9]));
  assertClose(pen(w), 1, 'penalty');
  const g = tf.grad(pen)(w).dataSync();
  assert.ok(g.every(Number.isFinite), `grad ${Array.from(g)}`);
});

test('gp alpha of the wrong size -> error', () => {
  const x = tf.ones([3, 2]);
  assert.throws(
    () => gradientPenalty((t) => t, x, x, tf.ones([2])),
    { message: 'gradientPenalty: alpha.shape must be [3], but got [2]' },
  );
  assert.throws(
    () => gradientPenalty((t) => t, x, tf.ones([3, 3]), tf.ones([3])),
    {
      message:
        'gradientPenalty: fake.shape must be real\'s shape [3, 2] ' +
        '(rank >= 2), but got [3, 3]',
    },
  );
});
