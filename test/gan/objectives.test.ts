// The optimisers and the unrolled generator update against PyTorch:
// expected values from scripts/fixtures/gan.py (torch 1.13, float64).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { initRuntime, tf } from '../../src/runtime/tf.js';
import { mlp } from '../../src/nn/index.js';
import type { TensorMap } from '../../src/nn/types.js';
import {
  initOptState,
  optimizerStep,
  type OptimizerConfig,
} from '../../src/gan/optim.js';
import {
  generatorObjective,
  unrollDiscriminator,
  type ObjectiveConfig,
} from '../../src/gan/objectives.js';

const ref = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/gan/reference.json', import.meta.url), 'utf8'),
) as {
  adam: { lr: number; beta1: number; beta2: number; eps: number };
  unrolled2: Record<'first' | 'second', { loss: number; grads: Record<string, number[]> }>;
  optim: Record<'adam' | 'rmsprop' | 'sgd', number[][]>;
};

before(async () => {
  await initRuntime();
});

/** scale * sin(1.3 i + phase) over the flat index, as in gan.py. */
function wave(shape: number[], phase: number, scale: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = scale * Math.sin(1.3 * i + phase);
  return tf.tensor(v, shape);
}

function close(actual: ArrayLike<number>, expected: number[], tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a = actual[i]!;
    if (!(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)))) {
      assert.fail(`${what}[${i}]: got ${a}, expected ${e} (tol ${tol})`);
    }
  }
}

for (const kind of ['adam', 'rmsprop', 'sgd'] as const) {
  test(`optimizerStep ${kind} [3,4] three updates == torch.optim.${kind}`, () => {
    const cfg: OptimizerConfig = kind === 'adam'
      ? { kind, lr: 0.01, beta1: 0.5, beta2: 0.9, eps: 1e-8 }
      : kind === 'rmsprop'
        ? { kind, lr: 0.01, alpha: 0.99, eps: 1e-8 }
        : { kind, lr: 0.01 };
    let params: TensorMap = { p: wave([3, 4], 1, 1) };
    let state = initOptState(cfg, params);
    for (let t = 0; t < 3; t++) {
      const grads = { p: wave([3, 4], 5 + t, 1 + t) };
      const upd = optimizerStep(cfg, params, grads, state);
      params = upd.params;
      state = upd.state;
      close(params.p!.dataSync(), ref.optim[kind][t]!, 2e-6, `${kind} step ${t + 1}`);
    }
  });
}

function tinyNets() {
  const G = mlp({ inputDim: 3, hidden: [5], outputDim: 2, activation: 'tanh' });
  const D = mlp({ inputDim: 2, hidden: [6], outputDim: 1, activation: 'tanh' });
  const make = (spec: Record<string, number[]>, phase: number): TensorMap => {
    const out: TensorMap = {};
    Object.keys(spec).sort().forEach((k, j) => {
      out[k] = wave(spec[k]!, phase + j, 0.6);
    });
    return out;
  };
  const gp = make({ 'fc0/w': [3, 5], 'fc0/b': [5], 'out/w': [5, 2], 'out/b': [2] }, 0);
  const dp = make({ 'fc0/w': [2, 6], 'fc0/b': [6], 'out/w': [6, 1], 'out/b': [1] }, 10);
  return { nets: { G, D }, gp, dp };
}

for (const order of ['second', 'first'] as const) {
  test(`unrolled k=2 Adam, ns loss, ${order}-order generator gradient == PyTorch autograd`, () => {
    const { nets, gp, dp } = tinyNets();
    const optimizerD: OptimizerConfig = {
      kind: 'adam',
      lr: ref.adam.lr,
      beta1: ref.adam.beta1,
      beta2: ref.adam.beta2,
      eps: ref.adam.eps,
    };
    const cfg: ObjectiveConfig = {
      loss: 'ns',
      lsgan: { a: 0, b: 1, c: 1 },
      gradientPenalty: 0,
      r1: 0,
      clip: 0,
      optimizerD,
      unrolled: { steps: 2, secondOrder: order === 'second' },
    };
    const z = wave([4, 3], 20, 1);
    const reals = [wave([4, 2], 30, 2), wave([4, 2], 31, 2)];
    const optD = initOptState(optimizerD, dp);
    const keys = Object.keys(gp).sort();
    let dFixed: TensorMap | null = null;
    if (order === 'first') {
      const fake = nets.G.apply(gp, {}, z, { training: true }).y;
      dFixed = unrollDiscriminator(nets, cfg, dp, {}, optD, fake, reals);
    }
    const f = (...ps: tf.Tensor[]): tf.Scalar => {
      const m: TensorMap = {};
      keys.forEach((k, i) => (m[k] = ps[i]!));
      return generatorObjective(
        nets, cfg, m, {}, dp, {}, optD, z, reals, dFixed, { state: {} },
      );
    };
    const { value, grads } = tf.valueAndGrads(f)(keys.map((k) => gp[k]!));
    const exp = ref.unrolled2[order];
    close([value.dataSync()[0]!], [exp.loss], 1e-5, 'loss');
    keys.forEach((k, i) => close(grads[i]!.dataSync(), exp.grads[k]!, 1e-4, `dL/d${k}`));
  });
}
