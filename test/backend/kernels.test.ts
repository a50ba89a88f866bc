// Every native kernel of modescope-native against tf.js's CPU backend (the
// reference) on random shapes with odd sizes, broadcasting and every
// transpose combination, to float32 tolerance; and each optimised native
// kernel against its plain C++ reference (gemmRef, binary/conv2d with the
// reference flag).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/runtime/tf.js';
import { nativeAddon } from '../../src/backend/native/index.js';
import { BIN, RED, UN } from '../../src/backend/native/addon.js';
import { Rng } from '../../src/util/rng.js';
import { assertClose, compareBackends, rand, startNative } from './_helpers.js';

// Decided before the tests are declared, so that `skip` sees it.
const ok = await startNative();
const skip = () => (ok ? false : 'native addon not built');

test('native kernel names all exist in the CPU backend', { skip: skip() },
  () => {
    for (const k of [...Object.keys(BIN), ...Object.keys(UN),
      ...Object.keys(RED), 'BatchMatMul', '_FusedMatMul', 'Conv2D',
      'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'FusedBatchNorm',
      'Slice', 'SplitV']) {
      assert.ok(tf.getKernel(k, 'cpu'), `${k} is a CPU kernel`);
    }
  });

const MM_SHAPES: [number, number, number][] = [
  [1, 1, 1], [7, 5, 3], [37, 61, 129], [130, 17, 300], [6, 16, 256],
  // Narrow outputs (a dense layer with 1 or 2 units) over more than one
  // K block.
  [300, 2, 513], [64, 1, 260], [13, 7, 300], [9, 3, 5], [17, 4, 8],
];

for (const [m, n, k] of MM_SHAPES) {
  for (const ta of [false, true]) {
    for (const tb of [false, true]) {
      test(`matMul [${m},${k}]x[${k},${n}] ta=${ta} tb=${tb} -> cpu`,
        { skip: skip() }, () => {
          const rng = new Rng(m * 1000 + n + k);
          const a = rand(rng, ta ? [k, m] : [m, k]);
          const b = rand(rng, tb ? [n, k] : [k, n]);
          compareBackends('matMul', [a, b],
            (x, y) => tf.matMul(x!, y!, ta, tb), 1e-5, 1e-4);
        });
    }
  }
}

test('batched matMul [3,9,11]x[3,11,5], [1,..] and [..] broadcast, all ' +
  'transposes -> cpu', { skip: skip() }, () => {
  const rng = new Rng(7);
  for (const ta of [false, true]) {
    for (const tb of [false, true]) {
      const a = rand(rng, ta ? [3, 11, 9] : [3, 9, 11]);
      const b = rand(rng, tb ? [3, 5, 11] : [3, 11, 5]);
      const b1 = rand(rng, tb ? [1, 5, 11] : [1, 11, 5]);
      const b2 = rand(rng, tb ? [5, 11] : [11, 5]);
      for (const bb of [b, b1, b2]) {
        compareBackends(`batched ${ta} ${tb} [${bb.shape}]`, [a, bb],
          (x, y) => tf.matMul(x!, y!, ta, tb));
      }
    }
  }
});

test('fused matMul + bias + activation [33,17]x[17,23] -> cpu',
  { skip: skip() }, () => {
    const rng = new Rng(8);
    const a = rand(rng, [33, 17]);
    const b = rand(rng, [17, 23]);
    const bias = rand(rng, [23]);
    for (const activation of ['linear', 'relu', 'relu6', 'elu', 'leakyrelu',
      'sigmoid'] as const) {
      for (const tb of [false, true]) {
        const bb = tb ? rand(rng, [23, 17]) : b;
        compareBackends(`fused ${activation} tb=${tb}`, [a, bb, bias],
          (x, y, z) => tf.fused.matMul({
            a: x!, b: y!, bias: z!, transposeB: tb, activation,
            leakyreluAlpha: 0.3,
          }));
      }
    }
  });

const BROADCAST: [number[], number[]][] = [
  [[1001], [1001]], [[2, 3, 4], [4]], [[2, 1, 4], [3, 1]], [[5], []],
  [[], [5]], [[2, 3, 4, 5], [2, 1, 4, 1]], [[1, 3, 1], [4, 1, 6]],
  [[64, 7, 7, 9], [9]], [[3, 1, 5], [1, 1, 1]],
];

for (const name of Object.keys(BIN)) {
  test(`${name} with broadcasting (${BROADCAST.length} shape pairs) -> cpu`,
    { skip: skip() }, () => {
      const rng = new Rng(name.length);
      for (const [sa, sb] of BROADCAST) {
        // Division by values near 0 is ill-conditioned: keep b away.
        const a = rand(rng, sa);
        const b = name === 'RealDiv' ? rand(rng, sb, 0.5, 2) : rand(rng, sb);
        const fn = {
          Add: tf.add, Sub: tf.sub, Multiply: tf.mul, RealDiv: tf.div,
          Maximum: tf.maximum, Minimum: tf.minimum,
          SquaredDifference: tf.squaredDifference,
        }[name]!;
        compareBackends(`${name} [${sa}] [${sb}]`, [a, b],
          (x, y) => fn(x!, y!));
      }
    });
}

const UNARY: Record<string, [(x: tf.Tensor) => tf.Tensor, number, number]> = {
  Relu: [tf.relu, -2, 2],
  Relu6: [tf.relu6, -3, 9],
  Elu: [tf.elu, -3, 3],
  LeakyRelu: [(x) => tf.leakyRelu(x, 0.3), -2, 2],
  Sigmoid: [tf.sigmoid, -8, 8],
  Tanh: [tf.tanh, -4, 4],
  Exp: [tf.exp, -5, 5],
  Log: [tf.log, 0.01, 10],
  Neg: [tf.neg, -2, 2],
  Square: [tf.square, -3, 3],
  Sqrt: [tf.sqrt, 0, 10],
  Rsqrt: [tf.rsqrt, 0.1, 10],
  Softplus: [tf.softplus, -30, 30],
  Abs: [tf.abs, -2, 2],
  Step: [(x) => tf.step(x, 0.1), -2, 2],
  Log1p: [tf.log1p, -0.9, 5],
  Reciprocal: [tf.reciprocal, 0.1, 4],
};

test('unary kernels [3,7,11] on their domains -> cpu', { skip: skip() },
  () => {
    assert.deepEqual(Object.keys(UNARY).sort(), Object.keys(UN).sort());
    const rng = new Rng(3);
    for (const [name, [fn, lo, hi]] of Object.entries(UNARY)) {
      compareBackends(name, [rand(rng, [3, 7, 11], lo, hi)], (x) => fn(x!),
        1e-6, 2e-6);
    }
  });

test('reductions sum/mean/max/min [3,4,5,6] over axis sets, keepDims -> ' +
  'cpu', { skip: skip() }, () => {
  const rng = new Rng(4);
  const x = rand(rng, [3, 4, 5, 6]);
  const sets: (number | number[] | undefined)[] = [
    undefined, 0, 3, [0, 1], [1, 2], [0, 2], [1, 3], [0, 1, 2], [-1],
  ];
  for (const axis of sets) {
    for (const keepDims of [false, true]) {
      compareBackends(`reduce axis=${JSON.stringify(axis)} keep=${keepDims}`,
        [x], (t) => [
          tf.sum(t!, axis, keepDims), tf.mean(t!, axis, keepDims),
          tf.max(t!, axis, keepDims), tf.min(t!, axis, keepDims),
        ], 1e-5, 1e-5);
    }
  }
});

const CONVS: {
  x: number[]; f: number[]; s: number; pad: 'same' | 'valid'; d: number;
}[] = [
  { x: [2, 9, 7, 3], f: [3, 2, 3, 5], s: 1, pad: 'same', d: 1 },
  { x: [2, 9, 7, 3], f: [3, 3, 3, 4], s: 2, pad: 'valid', d: 1 },
  { x: [1, 11, 10, 2], f: [3, 3, 2, 3], s: 1, pad: 'valid', d: 2 },
  { x: [3, 28, 28, 1], f: [4, 4, 1, 8], s: 2, pad: 'same', d: 1 },
  { x: [2, 6, 6, 5], f: [1, 1, 5, 7], s: 1, pad: 'valid', d: 1 },
];

for (const c of CONVS) {
  test(`conv2d x [${c.x}] f [${c.f}] s=${c.s} ${c.pad} d=${c.d}, with ` +
    'input and filter gradients (d=1) -> cpu', { skip: skip() }, () => {
    const rng = new Rng(c.x[1]!);
    const x = rand(rng, c.x);
    const f = rand(rng, c.f);
    compareBackends('conv2d', [x, f], (xt, ft) => {
      const conv = (a: tf.Tensor, b: tf.Tensor) =>
        tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad, 'NHWC',
          c.d);
      const y = conv(xt!, ft!);
      // tf.js has no conv2d gradient for dilation > 1.
      if (c.d > 1) return y;
      // Weighted sum so every output position has its own gradient.
      const w = tf.sin(tf.reshape(tf.range(0, y.size), y.shape));
      const [gx, gf] = tf.grads((a, b) => tf.sum(tf.mul(conv(a!, b!), w)))(
        [xt!, ft!]);
      return [y, gx!, gf!];
    }, 1e-5, 1e-4);
  });
}

test('conv2dTranspose [2,7,7,6] -> [2,14,14,4] (4x4, stride 2, same) -> cpu',
  { skip: skip() }, () => {
    const rng = new Rng(11);
    const x = rand(rng, [2, 7, 7, 6]);
    const f = rand(rng, [4, 4, 4, 6]);
    compareBackends('conv2dTranspose', [x, f], (xt, ft) =>
      tf.conv2dTranspose(xt as tf.Tensor4D, ft as tf.Tensor4D,
        [2, 14, 14, 4], 2, 'same'));
  });

test('batchNorm [4,5,6,7] with per-channel and broadcast params -> cpu',
  { skip: skip() }, () => {
    const rng = new Rng(12);
    const x = rand(rng, [4, 5, 6, 7]);
    const mean = rand(rng, [7]);
    const variance = rand(rng, [7], 0.1, 2);
    const off = rand(rng, [7]);
    const sc = rand(rng, [7]);
    compareBackends('batchNorm', [x, mean, variance, off, sc],
      (a, m, v, o, s) => [
        tf.batchNorm(a!, m!, v!, o!, s!, 1e-3),
        tf.batchNorm(a!, m!, v!),
      ]);
  });

test('slice and split: strided and contiguous, ranks 1-4, and the ' +
  'concat gradient -> cpu', { skip: skip() }, () => {
  const rng = new Rng(14);
  const x4 = rand(rng, [3, 4, 5, 6]);
  const x2 = rand(rng, [7, 9]);
  const x1 = rand(rng, [11]);
  const up = rand(rng, [7, 12]);
  compareBackends('slice/split', [x4, x2, x1, up], (a, b, c, u) => [
    tf.slice(a!, [1, 0, 2, 1], [2, 3, 2, 4]),
    tf.slice(a!, [1, 0, 0, 0], [1, 4, 5, 6]),
    tf.slice(a!, [0, 1, 0, 0], [3, 2, 5, 6]),
    tf.slice(b!, [2, 3], [4, 5]),
    tf.slice(b!, [0, 8], [7, 1]),
    tf.slice(c!, [3], [5]),
    ...tf.split(b!, [2, 4, 3], 1),
    ...tf.split(a!, [1, 3, 2], 3),
    ...tf.split(a!, 3, 0),
    // concat's gradient is a split along the concat axis.
    tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.concat([t, tf.square(
      tf.slice(t, [0, 0], [7, 3]))], 1), u!)))(b!),
  ], 0, 1e-6);
});

test('native optimised kernels -> their plain C++ references',
  { skip: skip() }, () => {
    const addon = nativeAddon()!;
    const rng = new Rng(13);
    for (const [m, n, k] of [[13, 29, 300], [130, 70, 33], [257, 3, 600]] as const) {
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          const a = rng.uniformArray(m * k, -1, 1);
          const b = rng.uniformArray(k * n, -1, 1);
          const c = new Float32Array(m * n);
          const r = new Float32Array(m * n);
          addon.batchMatMul(ta, tb, 1, m, n, k, a, 0, b, 0, c, null);
          addon.gemmRef(ta, tb, m, n, k, a, b, r);
          assertClose({ shape: [m, n], data: c }, { shape: [m, n], data: r },
            `gemm ${m}x${n}x${k} ${ta} ${tb}`, 1e-5, 1e-4);
        }
      }
    }
    const sa = Int32Array.from([2, 1, 4, 5]);
    const sb = Int32Array.from([3, 1, 5]);
    const so = Int32Array.from([2, 3, 4, 5]);
    const a = rng.uniformArray(40, -1, 1);
    const b = rng.uniformArray(15, -1, 1);
    for (const op of Object.values(BIN)) {
      const o1 = new Float32Array(120);
      const o2 = new Float32Array(120);
      addon.binary(op, a, sa, b, sb, o1, so);
      addon.binary(op, a, sa, b, sb, o2, so, true);
      assertClose({ shape: [120], data: o1 }, { shape: [120], data: o2 },
        `binary op ${op}`, 0, 0);
    }
    // [batch, inH, inW, inC, outH, outW, outC, kh, kw, sh, sw, dh, dw, pt, pl]
    const g = Int32Array.from([2, 8, 9, 3, 4, 5, 6, 3, 3, 2, 2, 1, 1, 1, 1]);
    const x = rng.uniformArray(2 * 8 * 9 * 3, -1, 1);
    const w = rng.uniformArray(3 * 3 * 3 * 6, -1, 1);
    const y1 = new Float32Array(2 * 4 * 5 * 6);
    const y2 = new Float32Array(2 * 4 * 5 * 6);
    addon.conv2d(g, x, w, y1);
    addon.conv2d(g, x, w, y2, true);
    assertClose({ shape: [240], data: y1 }, { shape: [240], data: y2 },
      'conv2d', 1e-5, 1e-4);
  });

test('native addon: a short output buffer -> RangeError, nothing written',
  { skip: skip() }, () => {
    const addon = nativeAddon()!;
    assert.throws(
      () => addon.unary(0, new Float32Array(4), new Float32Array(2), 0),
      {
        name: 'RangeError',
        message: 'modescope-native unary: argument 2 must hold at least 4 ' +
          'elements, but holds 2',
      },
    );
    assert.throws(
      () => addon.adam(new Float32Array(3), new Float32Array(3),
        new Float32Array(3), new Float32Array(2), new Float32Array(3),
        new Float32Array(3), new Float32Array(3), 1, 0.9, 0.999, 1e-8, 1),
      {
        name: 'RangeError',
        message: 'modescope-native adam: argument 3 must hold at least 3 ' +
          'elements, but holds 2',
      },
    );
    assert.throws(
      () => addon.minibatchGrad(new Float32Array(24), new Float32Array(8),
        4, 2, 3, new Float32Array(23)),
      {
        name: 'RangeError',
        message: 'modescope-native minibatchGrad: argument 5 must hold at ' +
          'least 24 elements, but holds 23',
      },
    );
    assert.throws(
      () => addon.minibatch(new Float32Array(24), 4, 0, 3,
        new Float32Array(8)),
      {
        name: 'RangeError',
        message: 'modescope-native minibatch: N, B and C must be positive',
      },
    );
  });
