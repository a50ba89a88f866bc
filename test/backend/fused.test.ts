// modescope's fused ops (src/backend/fused.ts) on modescope-native against
// their composite of standard ops on tf.js's CPU backend: values, first-
// order gradients, second-order gradients (a gradient penalty through
// dense layers) and Adam.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/runtime/tf.js';
import {
  activation, adamUpdateAll, adamUpdateFlat, batchNormTrain, dense, denseChain,
  denseChainFlat, flatMlpSize, type FlatMlpSpec,
  minibatchKernelSum, softplusMean, type Activation,
} from '../../src/backend/fused.js';
import { Rng } from '../../src/util/rng.js';
import { compareBackends, rand, startNative } from './_helpers.js';
import { loadAddon } from '../../src/backend/native/addon.js';

const ok = await startNative();
const skip = () => (ok ? false : 'native addon not built');

const ACTS: Activation[] = [
  'linear', 'relu', 'relu6', 'elu', 'leakyrelu', 'sigmoid', 'tanh',
];

for (const act of ACTS) {
  test(`dense [13,9]x[9,7] ${act}: value and dx, dw, db -> cpu composite`,
    { skip: skip() }, () => {
      const rng = new Rng(act.length);
      // Scaled so relu6 sees both bends.
      const x = rand(rng, [13, 9], -3, 3);
      const w = rand(rng, [9, 7], -1, 1);
      const b = rand(rng, [7]);
      const up = rand(rng, [13, 7]);
      compareBackends(`dense ${act}`, [x, w, b, up], (xt, wt, bt, u) => {
        const f = (a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) =>
          tf.sum(tf.mul(dense(a, c, d, { activation: act, alpha: 0.3 }), u!));
        const y = dense(xt!, wt!, bt!, { activation: act, alpha: 0.3 });
        return [y, ...tf.grads(f)([xt!, wt!, bt!])];
      }, 1e-5, 1e-4);
    });
}

// elu is left out: tf.js's own EluGrad kernel has no gradient.
for (const act of ['relu', 'leakyrelu', 'tanh', 'sigmoid'] as const) {
  test(`dense 2-layer ${act}: gradient penalty (second order) -> cpu ` +
    'composite', { skip: skip() }, () => {
    const rng = new Rng(99 + act.length);
    const x = rand(rng, [6, 3]);
    const w1 = rand(rng, [3, 5]);
    const b1 = rand(rng, [5]);
    const w2 = rand(rng, [5, 1]);
    const b2 = rand(rng, [1]);
    compareBackends(`penalty ${act}`, [x, w1, b1, w2, b2],
      (xt, a, b, c, d) => {
        const net = (input: tf.Tensor, p: tf.Tensor[]) => dense(
          dense(input, p[0]!, p[1]!, { activation: act }), p[2]!, p[3]!);
        // WGAN-GP style: || d net / d x ||^2, differentiated w.r.t. params.
        const penalty = (...p: tf.Tensor[]) => {
          const gx = tf.grad((inp: tf.Tensor) => tf.sum(net(inp, p)))(xt!);
          return tf.sum(tf.square(gx));
        };
        // d (the last bias) does not reach the penalty: not asked for.
        void d;
        return tf.grads(penalty)([a!, b!, c!]);
      }, 1e-5, 1e-4);
  });
}

// A stack of odd widths, a bias-free layer and every activation kind the
// networks use; the gradient asked for in each of the modes the trainer
// runs: all of it, parameters only (a D step), input only (G through D).
const CHAIN: { w: number[]; bias: boolean; act: Activation }[] = [
  { w: [5, 19], bias: true, act: 'relu' },
  { w: [19, 23], bias: false, act: 'leakyrelu' },
  { w: [23, 17], bias: true, act: 'tanh' },
  { w: [17, 3], bias: true, act: 'linear' },
];

for (const mode of ['all', 'params', 'input'] as const) {
  test(`denseChain 4 layers [37,5]->3, gradient of ${mode} -> cpu composite`,
    { skip: skip() }, () => {
      const rng = new Rng(mode.length * 7);
      const x = rand(rng, [37, 5], -2, 2);
      const ws = CHAIN.map((l) => rand(rng, l.w, -0.8, 0.8));
      const bs = CHAIN.filter((l) => l.bias).map((l) => rand(rng, [l.w[1]!]));
      const up = rand(rng, [37, 3]);
      compareBackends(`denseChain ${mode}`, [x, up, ...ws, ...bs],
        (xt, u, ...p) => {
          const net = (input: tf.Tensor, q: tf.Tensor[]) => {
            let bi = CHAIN.length;
            return denseChain(input, CHAIN.map((l, i) => ({
              w: q[i]!,
              b: l.bias ? q[bi++]! : null,
              activation: l.act,
              alpha: 0.3,
            })));
          };
          const loss = (input: tf.Tensor, q: tf.Tensor[]) =>
            tf.sum(tf.mul(net(input, q), u!));
          const y = net(xt!, p);
          if (mode === 'all') {
            return [y, ...tf.grads((a, ...q) => loss(a!, q))([xt!, ...p])];
          }
          if (mode === 'params') {
            return [y, ...tf.grads((...q) => loss(xt!, q))(p)];
          }
          return [y, tf.grad((a) => loss(a, p))(xt!)];
        }, 1e-5, 1e-4);
    });
}

// Large enough that the batch is split between threads (odd, so that the
// shares are unequal).
for (const mode of ['params', 'input'] as const) {
  test(`denseChain [203,40]->96->96->2 (threaded), gradient of ${mode} -> ` +
    'cpu composite', { skip: skip() }, () => {
    const rng = new Rng(11 + mode.length);
    const x = rand(rng, [203, 40], -2, 2);
    const shapes = [[40, 96], [96], [96, 96], [96], [96, 2], [2]];
    const p = shapes.map((sh) => rand(rng, sh, -0.3, 0.3));
    const up = rand(rng, [203, 2]);
    compareBackends(`denseChain threaded ${mode}`, [x, up, ...p],
      (xt, u, ...q) => {
        const loss = (input: tf.Tensor, r: tf.Tensor[]) => tf.sum(tf.mul(
          denseChain(input, [
            { w: r[0]!, b: r[1]!, activation: 'relu' },
            { w: r[2]!, b: r[3]!, activation: 'leakyrelu', alpha: 0.2 },
            { w: r[4]!, b: r[5]!, activation: 'linear' },
          ]), u!));
        return mode === 'params'
          ? tf.grads((...r) => loss(xt!, r))(q)
          : [tf.grad((a) => loss(a, q))(xt!)];
      }, 1e-5, 1e-4);
  });
}

// denseChainFlat: one flat parameter tensor, the threaded batch split,
// with and without biases, against the cpu composite (slices).
for (const bias of [true, false]) {
  test(`denseChainFlat [203,40]->96->96->2 bias=${bias}: value and ` +
    'gradients of theta and x -> cpu composite', { skip: skip() }, () => {
    const spec: FlatMlpSpec = {
      widths: [40, 96, 96, 2],
      layers: [{ activation: 'relu' },
        { activation: 'leakyrelu', alpha: 0.2 }, {}],
      bias,
    };
    const rng = new Rng(bias ? 21 : 22);
    const x = rand(rng, [203, 40], -2, 2);
    const theta = rand(rng, [flatMlpSize(spec)], -0.3, 0.3);
    const up = rand(rng, [203, 2]);
    compareBackends(`denseChainFlat bias=${bias}`, [x, theta, up],
      (xt, th, u) => {
        const loss = (a: tf.Tensor, t: tf.Tensor) =>
          tf.sum(tf.mul(denseChainFlat(a, t, spec), u!));
        return [denseChainFlat(xt!, th!, spec),
          ...tf.grads(loss)([xt!, th!]), tf.grad((t) => loss(xt!, t))(th!)];
      }, 1e-5, 1e-4);
  });
}

test('denseChainFlat equals denseChain over the same weights, to the bit ' +
  '(native)', { skip: skip() }, () => {
    tf.setBackend('modescope-native');
    const rng = new Rng(23);
    const spec: FlatMlpSpec = {
      widths: [2, 16, 1], layers: [{ activation: 'relu' }, {}],
    };
    tf.tidy(() => {
      const x = tf.tensor(rand(rng, [9, 2]).data, [9, 2]);
      const sizes = [32, 16, 16, 1];
      const parts = sizes.map((n) => tf.tensor(rand(rng, [n]).data, [n]));
      const theta = tf.concat(parts);
      const layers = [
        { w: tf.reshape(parts[0]!, [2, 16]), b: parts[1]!,
          activation: 'relu' as const },
        { w: tf.reshape(parts[2]!, [16, 1]), b: parts[3]! },
      ];
      assert.deepEqual(denseChainFlat(x, theta, spec).dataSync(),
        denseChain(x, layers).dataSync());
      const gFlat = tf.grad((t) => tf.sum(denseChainFlat(x, t, spec)))(theta);
      const gParts = tf.grads((...q) => tf.sum(denseChain(x, [
        { w: tf.reshape(q[0]!, [2, 16]), b: q[1]!, activation: 'relu' },
        { w: tf.reshape(q[2]!, [16, 1]), b: q[3]! },
      ])))(parts);
      assert.deepEqual(gFlat.dataSync(), tf.concat(gParts).dataSync());
    });
  });

test('denseChainFlat on native: the forward memo tells apart two layouts ' +
  'of the same theta and x', { skip: skip() }, () => {
  tf.setBackend('modescope-native');
  tf.tidy(() => {
    const rng = new Rng(24);
    // Both 9 parameters without biases: 1*1 + 1*4 + 4*1 and 1*4 + 4*1 + 1*1.
    const a: FlatMlpSpec = { widths: [1, 1, 4, 1], layers: [{}, {}, {}],
      bias: false };
    const b: FlatMlpSpec = { widths: [1, 4, 1, 1], layers: [{}, {}, {}],
      bias: false };
    const theta = tf.tensor(rand(rng, [9]).data, [9]);
    const x = tf.tensor(rand(rng, [5, 1]).data, [5, 1]);
    const ya = denseChainFlat(x, theta, a).dataSync();
    const yb = denseChainFlat(x, theta, b).dataSync();
    tf.setBackend('cpu');
    assert.deepEqual(Array.from(yb).map((v) => v.toFixed(5)),
      Array.from(denseChainFlat(x, theta, b).dataSync())
        .map((v) => v.toFixed(5)));
    assert.notDeepEqual(ya, yb);
  });
});

test('denseChainFlat: gradient penalty through it (second order) -> cpu',
  { skip: skip() }, () => {
    const rng = new Rng(405);
    const spec: FlatMlpSpec = {
      widths: [3, 8, 1],
      layers: [{ activation: 'leakyrelu', alpha: 0.2 }, {}],
    };
    const x = rand(rng, [6, 3]);
    const theta = rand(rng, [flatMlpSize(spec)]);
    compareBackends('denseChainFlat penalty', [x, theta], (xt, th) => {
      const penalty = (t: tf.Tensor) => {
        const gx = tf.grad((inp: tf.Tensor) =>
          tf.sum(denseChainFlat(inp, t, spec)))(xt!);
        return tf.sum(tf.square(gx));
      };
      return [tf.grad(penalty)(th!)];
    }, 1e-5, 1e-4);
  });

test('denseChainFlat: wrong theta size, x width, layer count -> pinned ' +
  'RangeErrors', () => tf.tidy(() => {
  const spec: FlatMlpSpec = { widths: [2, 3, 1], layers: [{}, {}] };
  assert.equal(flatMlpSize(spec), 2 * 3 + 3 + 3 + 1);
  const x = tf.zeros([4, 2]);
  assert.throws(() => denseChainFlat(x, tf.zeros([12]), spec), {
    name: 'RangeError',
    message: 'denseChainFlat: theta must be [13] for widths [2,3,1], but ' +
      'got [12]',
  });
  assert.throws(() => denseChainFlat(tf.zeros([4, 3]), tf.zeros([13]), spec), {
    name: 'RangeError',
    message: 'denseChainFlat: x must be [batch, 2], but got [4,3]',
  });
  assert.throws(() => denseChainFlat(x, tf.zeros([13]),
    { widths: [2, 3, 1], layers: [{}] }), {
    name: 'RangeError',
    message: 'denseChainFlat: needs 2 layers for widths [2,3,1], but got 1',
  });
}));

test('denseChain: gradient penalty through it (second order) -> cpu',
  { skip: skip() }, () => {
    const rng = new Rng(404);
    const x = rand(rng, [6, 3]);
    const p = [rand(rng, [3, 8]), rand(rng, [8]), rand(rng, [8, 1]),
      rand(rng, [1])];
    compareBackends('denseChain penalty', [x, ...p], (xt, a, b, c, d) => {
      const net = (input: tf.Tensor, q: tf.Tensor[]) => denseChain(input, [
        { w: q[0]!, b: q[1]!, activation: 'leakyrelu', alpha: 0.2 },
        { w: q[2]!, b: q[3]!, activation: 'linear' },
      ]);
      const penalty = (...q: tf.Tensor[]) => {
        const gx = tf.grad((inp: tf.Tensor) => tf.sum(net(inp, q)))(xt!);
        return tf.sum(tf.square(gx));
      };
      return tf.grads((...q) => penalty(...q, d!))([a!, b!, c!]);
    }, 1e-5, 1e-4);
  });

test('denseChain: a training loop of grads leaks no tensors',
  { skip: skip() }, () => {
    const rng = new Rng(3);
    const mk = (a: { data: Float32Array; shape: number[] }) =>
      tf.tensor(a.data, a.shape, 'float32');
    const x = mk(rand(rng, [16, 4]));
    const p = [mk(rand(rng, [4, 6])), mk(rand(rng, [6])),
      mk(rand(rng, [6, 2])), mk(rand(rng, [2]))];
    const step = () => tf.tidy(() => tf.grads((...q: tf.Tensor[]) =>
      tf.sum(denseChain(x, [
        { w: q[0]!, b: q[1]!, activation: 'relu' },
        { w: q[2]!, b: q[3]!, activation: 'linear' },
      ])))(p));
    tf.dispose(step());
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; ++i) tf.dispose(step());
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([x, ...p]);
  });

test('denseChain on native: a repeat with the same tensors and ' +
  'activations reuses the forward pass (values and gradients unchanged), ' +
  'another activation or input does not', { skip: skip() }, () => {
  const addon = loadAddon().addon!;
  const forward = addon.mlpForward;
  let runs = 0;
  addon.mlpForward = (...a: Parameters<typeof forward>) => {
    runs += 1;
    return forward(...a);
  };
  try {
    const prev = tf.getBackend();
    tf.setBackend('modescope-native');
    const rng = new Rng(11);
    const t = (s: number[]) => {
      const a = rand(rng, s);
      return tf.tensor(a.data, a.shape);
    };
    const x = t([7, 3]);
    const x2 = t([7, 3]);
    const w0 = t([3, 5]);
    const b0 = t([5]);
    const w1 = t([5, 2]);
    const layers = (act: Activation) => [
      { w: w0, b: b0, activation: act }, { w: w1, b: null },
    ];
    const first = denseChain(x, layers('relu'));
    const want = first.arraySync();
    first.dispose();
    const f = (xx: tf.Tensor, act: Activation) => (w: tf.Tensor) =>
      tf.sum(tf.square(denseChain(xx, [
        { w, b: b0, activation: act }, { w: w1, b: null },
      ])));
    const g1 = tf.grad(f(x, 'relu'))(w0);
    runs = 0;
    // Same tensors: the memo's copy, even though `first` is gone.
    const again = denseChain(x, layers('relu'));
    assert.deepEqual(again.arraySync(), want);
    const g2 = tf.grad(f(x, 'relu'))(w0);
    assert.deepEqual(g2.arraySync(), g1.arraySync());
    assert.equal(runs, 0, 'no forward pass for a repeat');
    const other = denseChain(x, layers('tanh'));
    assert.equal(runs, 1, 'another activation runs');
    assert.notDeepEqual(other.arraySync(), want);
    const moved = denseChain(x2, layers('relu'));
    assert.equal(runs, 2, 'another input runs');
    tf.dispose([x, x2, w0, b0, w1, g1, g2, again, other, moved]);
    tf.setBackend(prev);
  } finally {
    addon.mlpForward = forward;
  }
});

test('denseChain: mismatched widths -> pinned RangeError', () => {
  const x = tf.zeros([2, 3]);
  const w0 = tf.zeros([3, 4]);
  const w1 = tf.zeros([5, 1]);
  assert.throws(
    () => denseChain(x, [{ w: w0, b: null }, { w: w1, b: null }]),
    { message: "denseChain: layer 1's w must have shape [4, outUnits], " +
      'but got [5,1]' },
  );
  tf.dispose([x, w0, w1]);
});

test('softplusMean, both signs, large logits: value and grad -> cpu',
  { skip: skip() }, () => {
    const rng = new Rng(8);
    const x = rand(rng, [37, 1], -30, 30);
    for (const sign of [1, -1] as const) {
      compareBackends(`softplusMean ${sign}`, [x], (t) => [
        softplusMean(t!, sign),
        tf.grad((a: tf.Tensor) => tf.mul(softplusMean(a, sign), 3))(t!),
      ], 1e-6, 1e-5);
    }
  });

test('softplusMean: second order (R1-style penalty through it) -> cpu',
  { skip: skip() }, () => {
    const rng = new Rng(9);
    const x = rand(rng, [9, 2]);
    const w = rand(rng, [2, 1]);
    compareBackends('softplusMean penalty', [x, w], (xt, wt) => {
      const penalty = (v: tf.Tensor) => {
        const gx = tf.grad((inp: tf.Tensor) =>
          softplusMean(tf.matMul(inp, v), -1))(xt!);
        return tf.sum(tf.square(gx));
      };
      return [tf.grad(penalty)(wt!)];
    }, 1e-6, 1e-5);
  });

test('minibatchKernelSum [37,16,5], [5,3,7] and tied rows: value and grad ' +
  '-> cpu composite', { skip: skip() }, () => {
  const rng = new Rng(12);
  for (const shape of [[37, 16, 5], [5, 3, 7], [1, 2, 3]]) {
    const m = rand(rng, shape, -1, 1);
    const up = rand(rng, shape.slice(0, 2));
    compareBackends(`minibatch [${shape}]`, [m, up], (mt, u) => [
      minibatchKernelSum(mt!),
      tf.grad((a: tf.Tensor) => tf.sum(tf.mul(minibatchKernelSum(a), u!)))(
        mt!),
    ], 1e-5, 1e-4);
  }
  // Samples 0 and 2 equal, and one coordinate tied between 1 and 3: the
  // L1 kink, where both sides take sign(0) = 0.
  const v = Array.from({ length: 4 * 2 * 3 }, () => rng.uniform() - 0.5);
  for (let k = 0; k < 6; ++k) v[12 + k] = v[k]!;
  v[6 + 1] = v[18 + 1]!;
  const tied = { shape: [4, 2, 3], data: Float32Array.from(v) };
  const up = rand(rng, [4, 2]);
  compareBackends('minibatch ties', [tied, up], (mt, u) => [
    minibatchKernelSum(mt!),
    tf.grad((a: tf.Tensor) => tf.sum(tf.mul(minibatchKernelSum(a), u!)))(mt!),
  ], 1e-6, 1e-5);
});

test('minibatchKernelSum: second order (gradient penalty through it) -> ' +
  'cpu', { skip: skip() }, () => {
  const rng = new Rng(13);
  const x = rand(rng, [7, 3]);
  const t = rand(rng, [3, 2 * 4]);
  compareBackends('minibatch penalty', [x, t], (xt, tt) => {
    const penalty = (w: tf.Tensor) => {
      const gx = tf.grad((inp: tf.Tensor) => tf.sum(tf.square(
        minibatchKernelSum(tf.reshape(tf.matMul(inp, w), [7, 2, 4])))))(xt!);
      return tf.sum(tf.square(gx));
    };
    return [tf.grad(penalty)(tt!)];
  }, 1e-5, 1e-4);
});

test('activation [4,5,6] leakyrelu(0.2)/tanh: value and grad -> cpu',
  { skip: skip() }, () => {
    const rng = new Rng(5);
    const x = rand(rng, [4, 5, 6], -2, 2);
    for (const act of ['leakyrelu', 'tanh', 'relu'] as const) {
      compareBackends(`activation ${act}`, [x], (t) => {
        const f = (a: tf.Tensor) => tf.sum(tf.square(
          activation(a, { activation: act, alpha: 0.2 })));
        return [activation(t!, { activation: act, alpha: 0.2 }),
          tf.grad(f)(t!)];
      });
    }
  });

test('batchNormTrain [6,4]: gradient penalty (second order) -> cpu ' +
  'composite', { skip: skip() }, () => {
  const rng = new Rng(61);
  const x = rand(rng, [6, 4]);
  const w = rand(rng, [4, 3]);
  const g = rand(rng, [3], 0.5, 1.5);
  const b = rand(rng, [3]);
  const v = rand(rng, [3, 1]);
  compareBackends('batchNormTrain penalty', [x, w, g, b, v],
    (xt, wt, gt, bt, vt) => {
      const net = (inp: tf.Tensor, p: tf.Tensor[]) => dense(
        activation(batchNormTrain(dense(inp, p[0]!, null), p[1]!, p[2]!),
          { activation: 'tanh' }),
        vt!, null);
      const penalty = (...p: tf.Tensor[]) => {
        const gx = tf.grad((inp: tf.Tensor) => tf.sum(tf.square(
          net(inp, p))))(xt!);
        return tf.sum(tf.square(gx));
      };
      return tf.grads(penalty)([wt!, gt!, bt!]);
    }, 1e-5, 2e-4);
});

test('batchNormTrain [8,5,5,6] and [16,10]: value and dx, dgamma, dbeta ' +
  '-> cpu composite', { skip: skip() }, () => {
  const rng = new Rng(6);
  for (const shape of [[8, 5, 5, 6], [16, 10]]) {
    const c = shape[shape.length - 1]!;
    const x = rand(rng, shape, -2, 3);
    const g = rand(rng, [c], 0.5, 1.5);
    const b = rand(rng, [c]);
    const up = rand(rng, shape);
    compareBackends(`batchNormTrain [${shape}]`, [x, g, b, up],
      (xt, gt, bt, u) => {
        const f = (a: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) =>
          tf.sum(tf.mul(batchNormTrain(a, gg, bb), u!));
        return [batchNormTrain(xt!, gt!, bt!),
          ...tf.grads(f)([xt!, gt!, bt!])];
      }, 2e-5, 2e-4);
  }
});

test('adamUpdateAll over 3 params, steps 1 and 7 -> cpu composite',
  { skip: skip() }, () => {
    const rng = new Rng(7);
    const shapes = [[5, 3], [3], [1]];
    const arrs = shapes.flatMap((s) => [
      rand(rng, s), rand(rng, s), rand(rng, s, -0.1, 0.1),
      rand(rng, s, 0, 0.01),
    ]);
    for (const step of [1, 7]) {
      compareBackends(`adam step ${step}`, arrs, (...t) => {
        const pick = (k: number) => [0, 1, 2].map((i) => t[4 * i + k]!);
        const r = adamUpdateAll(pick(0), pick(1), pick(2), pick(3), {
          lr: 1e-3, beta1: 0.5, beta2: 0.999, eps: 1e-8, step,
        });
        return [...r.params, ...r.m, ...r.v];
      }, 1e-6, 1e-5);
    }
  });

test('adamUpdateFlat equals adamUpdateAll to the bit, on native and on ' +
  'the cpu composite; its moments are the per-parameter ones concatenated',
  { skip: skip() }, () => {
    const rng = new Rng(8);
    const shapes = [[5, 3], [3], [1], [2, 2, 2]];
    const arrs = shapes.flatMap((s) => [
      rand(rng, s), rand(rng, s), rand(rng, s, -0.1, 0.1),
      rand(rng, s, 0, 0.01),
    ]);
    const prev = tf.getBackend();
    for (const backend of ['cpu', 'modescope-native']) {
      tf.setBackend(backend);
      tf.tidy(() => {
        const t = arrs.map((a) => tf.tensor(a.data, a.shape));
        const pick = (k: number) => shapes.map((_, i) => t[4 * i + k]!);
        const flat = (ts: tf.Tensor[]) =>
          tf.concat(ts.map((x) => tf.reshape(x, [-1])));
        for (const step of [1, 7]) {
          const opts = { lr: 1e-3, beta1: 0.5, beta2: 0.999, eps: 1e-8, step };
          const a = adamUpdateAll(pick(0), pick(1), pick(2), pick(3), opts);
          const b = adamUpdateFlat(pick(0), pick(1), flat(pick(2)),
            flat(pick(3)), opts);
          a.params.forEach((p, i) => {
            assert.deepEqual(b.params[i]!.shape, p.shape);
            assert.deepEqual(b.params[i]!.dataSync(), p.dataSync(),
              `${backend} step ${step} param ${i}`);
          });
          assert.deepEqual(b.m.dataSync(), flat(a.m).dataSync());
          assert.deepEqual(b.v.dataSync(), flat(a.v).dataSync());
        }
      });
    }
    tf.setBackend(prev);
  });

test('adamUpdateFlat: moments of the wrong size -> pinned RangeError', () => {
  const p = [tf.zeros([2, 3]), tf.zeros([4])];
  const m = tf.zeros([9]);
  assert.throws(() => adamUpdateFlat(p, p, m, m, { lr: 1, step: 1 }), {
    name: 'RangeError',
    message: "adamUpdateFlat: m must be float32 [10] (the parameters' total " +
      'size), but got float32 [9]',
  });
  tf.dispose([...p, m]);
});

test('adamUpdateAll: mismatched lengths and step 0 -> pinned RangeErrors',
  () => {
    const p = [tf.zeros([2])];
    assert.throws(() => adamUpdateAll(p, [], p, p, { lr: 1, step: 1 }), {
      name: 'RangeError',
      message: 'adamUpdateAll: params, grads, m and v must have equal ' +
        'lengths, but got 1, 0, 1 and 1',
    });
    assert.throws(() => adamUpdateAll(p, p, p, p, { lr: 1, step: 0 }), {
      name: 'RangeError',
      message: 'adamUpdateAll: step must be an integer >= 1, but got 0',
    });
    tf.dispose(p);
  });

test('dense: mismatched shapes -> pinned RangeError', () => {
  const x = tf.zeros([2, 3]);
  const w = tf.zeros([4, 5]);
  assert.throws(() => dense(x, w, null), {
    name: 'RangeError',
    message: 'dense: x [batch, units] and w [units, outUnits] must agree, ' +
      'but got x [2,3] and w [4,5]',
  });
  tf.dispose([x, w]);
});
