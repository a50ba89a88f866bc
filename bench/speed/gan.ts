/**
 * The modescope side of `npm run bench:speed`: the two fixed GAN
 * configurations as functional training steps (parameters are plain
 * tensors, gradients come from tf.grads, Adam is adamUpdateFlat: one
 * update for every parameter, the moments in one flat tensor each).
 *
 * The step matches bench/speed/reference.py (the canonical PyTorch DCGAN
 * step): one fake batch G(z); D is updated on the real batch and on the
 * fake batch treated as a constant, in two D calls (batch norm sees each
 * batch alone); then G is updated through the updated D. Loss: the
 * non-saturating one, D minimises softplus(-D(x)) + softplus(D(G(z))), G
 * minimises softplus(-D(G(z))). Adam(1e-4, 0.5, 0.999), eps 1e-8.
 *
 * T1 (toy MLP GAN): z 2; G 2-128-128-128-2, D 2-128-128-128-1, ReLU;
 *   batch 256. Each network's weights and biases live in one flat tensor
 *   (denseChainFlat), so a step makes one gradient and one Adam update
 *   per network rather than one per weight and bias.
 * C1 (MNIST DCGAN): z 100; G: FC to 128x7x7 + BN + ReLU, transposed conv
 *   128->64 (4x4, stride 2) + BN + ReLU, transposed conv 64->1 + tanh;
 *   D: conv 1->64 (4x4, stride 2) + LeakyReLU(0.2), conv 64->128 + BN +
 *   LeakyReLU(0.2), FC to 1; batch 64. Layout NHWC: x [batch, 28, 28, 1].
 */
import { tf } from '../../src/runtime/tf.js';
import { Rng } from '../../src/util/rng.js';
import {
  activation, adamUpdateFlat, batchNormTrain, dense, denseChainFlat,
  flatMlpSize, softplusMean, type FlatMlpSpec,
} from '../../src/backend/fused.js';

export type ConfigName = 'T1' | 'C1';
type T = tf.Tensor;

interface Model {
  zDim: number;
  batch: number;
  g: T[];
  d: T[];
  gen: (p: T[], z: T) => T;
  disc: (p: T[], x: T) => T;
  /** Real batches; the data pipeline is not what is measured. */
  reals: T[];
}

/** PyTorch's default init: U(-1/sqrt(fanIn), 1/sqrt(fanIn)). */
function uniform(rng: Rng, shape: number[], fanIn: number): T {
  const n = shape.reduce((a, b) => a * b, 1);
  const s = 1 / Math.sqrt(fanIn);
  return tf.tensor(rng.uniformArray(n, -s, s), shape, 'float32');
}

/**
 * An MLP of ReLU hidden layers and a linear output, its parameters in one
 * flat tensor (w0, b0, w1, b1, ... as denseChainFlat reads them), each
 * layer drawn with PyTorch's nn.Linear init.
 */
function mlp(rng: Rng, widths: number[]): { theta: T; spec: FlatMlpSpec } {
  const layers = widths.slice(1).map((_, i) => ({
    activation: i + 2 < widths.length ? 'relu' as const : 'linear' as const,
  }));
  const spec = { widths, layers };
  const flat = new Float32Array(flatMlpSize(spec));
  let at = 0;
  for (let i = 0; i + 1 < widths.length; ++i) {
    const s = 1 / Math.sqrt(widths[i]!);
    for (const n of [widths[i]! * widths[i + 1]!, widths[i + 1]!]) {
      flat.set(rng.uniformArray(n, -s, s), at);
      at += n;
    }
  }
  return { theta: tf.tensor1d(flat), spec };
}

function makeT1(rng: Rng): Model {
  const batch = 256;
  const g = mlp(rng, [2, 128, 128, 128, 2]);
  const d = mlp(rng, [2, 128, 128, 128, 1]);
  return {
    zDim: 2,
    batch,
    g: [g.theta],
    d: [d.theta],
    gen: (p, z) => denseChainFlat(z, p[0]!, g.spec),
    disc: (p, x) => denseChainFlat(x, p[0]!, d.spec),
    reals: Array.from({ length: 8 }, () =>
      tf.tensor2d(rng.normalArray(batch * 2), [batch, 2]),
    ),
  };
}

/** Training-mode batch norm over every axis but the last (PyTorch's
 * BatchNorm1d/2d in train mode; eps 1e-5; biased variance). */
function batchNorm(x: T, gamma: T, beta: T): T {
  return batchNormTrain(x, gamma, beta, { eps: 1e-5 });
}

function makeC1(rng: Rng): Model {
  const batch = 64;
  const ones = (n: number) => tf.ones([n]);
  const zeros = (n: number) => tf.zeros([n]);
  // Transposed-conv fan-in follows PyTorch (weight.size(1) * k * k).
  const g = [
    uniform(rng, [100, 6272], 100), uniform(rng, [6272], 100),
    ones(6272), zeros(6272),
    uniform(rng, [4, 4, 64, 128], 64 * 16), uniform(rng, [64], 64 * 16),
    ones(64), zeros(64),
    uniform(rng, [4, 4, 1, 64], 16), uniform(rng, [1], 16),
  ];
  const d = [
    uniform(rng, [4, 4, 1, 64], 16), uniform(rng, [64], 16),
    uniform(rng, [4, 4, 64, 128], 64 * 16), uniform(rng, [128], 64 * 16),
    ones(128), zeros(128),
    uniform(rng, [6272, 1], 6272), uniform(rng, [1], 6272),
  ];
  const gen = (p: T[], z: T): T => {
    const n = z.shape[0]!;
    let h: T = dense(z, p[0]!, p[1]!);
    h = activation(batchNorm(h, p[2]!, p[3]!), { activation: 'relu' });
    h = tf.reshape(h, [n, 7, 7, 128]);
    h = tf.conv2dTranspose(h as tf.Tensor4D, p[4] as tf.Tensor4D,
      [n, 14, 14, 64], 2, 'same');
    h = tf.add(h, p[5]!);
    h = activation(batchNorm(h, p[6]!, p[7]!), { activation: 'relu' });
    h = tf.conv2dTranspose(h as tf.Tensor4D, p[8] as tf.Tensor4D,
      [n, 28, 28, 1], 2, 'same');
    return activation(tf.add(h, p[9]!), { activation: 'tanh' });
  };
  const disc = (p: T[], x: T): T => {
    const n = x.shape[0]!;
    let h: T = tf.conv2d(x as tf.Tensor4D, p[0] as tf.Tensor4D, 2, 'same');
    h = activation(tf.add(h, p[1]!), { activation: 'leakyrelu', alpha: 0.2 });
    h = tf.conv2d(h as tf.Tensor4D, p[2] as tf.Tensor4D, 2, 'same');
    h = batchNorm(tf.add(h, p[3]!), p[4]!, p[5]!);
    h = activation(h, { activation: 'leakyrelu', alpha: 0.2 });
    return dense(tf.reshape(h, [n, 6272]), p[6]!, p[7]!);
  };
  return {
    zDim: 100,
    batch,
    g,
    d,
    gen,
    disc,
    reals: Array.from({ length: 8 }, () =>
      tf.tensor4d(rng.uniformArray(batch * 784, -1, 1), [batch, 28, 28, 1]),
    ),
  };
}


/** A running GAN: its parameters, Adam moments and step counter. */
export class GanBench {
  private readonly model: Model;
  private readonly rng: Rng;
  private g: T[];
  private d: T[];
  private gm: T;
  private gv: T;
  private dm: T;
  private dv: T;
  private t = 0;

  constructor(config: ConfigName, seed = 0) {
    this.rng = new Rng(seed);
    this.model = config === 'T1' ? makeT1(this.rng) : makeC1(this.rng);
    this.g = this.model.g;
    this.d = this.model.d;
    const total = (ps: T[]) => ps.reduce((n, p) => n + p.size, 0);
    this.gm = tf.zeros([total(this.g)]);
    this.gv = tf.zeros([total(this.g)]);
    this.dm = tf.zeros([total(this.d)]);
    this.dv = tf.zeros([total(this.d)]);
  }

  /** One D step and one G step; returns nothing (no sync with losses). */
  step(): void {
    const { model } = this;
    const adam = { lr: 1e-4, beta1: 0.5, beta2: 0.999, eps: 1e-8 };
    this.t += 1;
    const real = model.reals[this.t % model.reals.length]!;
    const z = tf.tensor2d(
      this.rng.normalArray(model.batch * model.zDim),
      [model.batch, model.zDim],
    );

    // Update D on real and on G(z) held constant.
    const fake = tf.tidy(() => model.gen(this.g, z));
    const dNext = tf.tidy(() => {
      const grads = tf.grads((...dp: T[]) =>
        tf.add(
          softplusMean(model.disc(dp, real), -1),
          softplusMean(model.disc(dp, fake)),
        ),
      )(this.d);
      return adamUpdateFlat(this.d, grads, this.dm, this.dv, {
        ...adam, step: this.t,
      });
    });
    fake.dispose();
    tf.dispose([...this.d, this.dm, this.dv]);
    this.d = dNext.params;
    this.dm = dNext.m;
    this.dv = dNext.v;

    // Update G through the updated D.
    const gNext = tf.tidy(() => {
      const grads = tf.grads((...gp: T[]) =>
        softplusMean(model.disc(this.d, model.gen(gp, z)), -1),
      )(this.g);
      return adamUpdateFlat(this.g, grads, this.gm, this.gv, {
        ...adam, step: this.t,
      });
    });
    z.dispose();
    tf.dispose([...this.g, this.gm, this.gv]);
    this.g = gNext.params;
    this.gm = gNext.m;
    this.gv = gNext.v;
  }

  /** Blocks until the latest parameters are computed (for timing). */
  sync(): void {
    this.g[0]!.dataSync();
  }

  dispose(): void {
    tf.dispose([
      ...this.g, ...this.d, this.gm, this.gv, this.dm, this.dv,
      ...this.model.reals,
    ]);
  }
}

/**
 * Steady-state steps per second of `config` on the current backend: steps
 * for `warmup` seconds first (V8 compiles the hot JS with its optimising
 * tier after a few hundred steps, and buffer pools fill), then steps until
 * about `seconds` have passed (at least minSteps). reference.py warms up
 * the same way.
 */
export function benchGan(
  config: ConfigName,
  seconds: number,
  minSteps = 3,
  warmup = 0,
): { stepsPerSecond: number; steps: number } {
  const bench = new GanBench(config);
  const w0 = performance.now();
  for (let i = 0; i < 2 || performance.now() - w0 < warmup * 1000; ++i) {
    bench.step();
  }
  bench.sync();
  const t0 = performance.now();
  let steps = 0;
  while (steps < minSteps || performance.now() - t0 < seconds * 1000) {
    bench.step();
    steps += 1;
  }
  bench.sync();
  const dt = (performance.now() - t0) / 1000;
  bench.dispose();
  return { stepsPerSecond: steps / dt, steps };
}
