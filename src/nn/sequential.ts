/**
 * A network as a fixed list of layers, built once from options, so that
 * `apply` is a straight loop with no option parsing on the hot path.
 *
 * Naming: a layer called `fc0` owns params `fc0/w`, `fc0/b` and, with
 * spectral norm, state `fc0/u`; a batch norm `bn0` owns params
 * `bn0/gamma`, `bn0/beta` and state `bn0/mean`, `bn0/var`; a minibatch
 * discrimination layer `mbd` owns `mbd/T` and `mbd/b`.
 */
import { tf } from '../runtime/tf.js';
import { check, UserError } from '../util/errors.js';
import type { Rng } from '../util/rng.js';
import { batchNorm } from './batchnorm.js';
import { initBatchNorm, initBias, initWeight, type InitKind } from './init.js';
import {
  activate,
  conv2d,
  conv2dTranspose,
  dense,
  denseStack,
  type Activation,
  type DenseSpec,
} from './layers.js';
import { minibatchDiscrimination } from './minibatch.js';
import { packSamples } from './pack.js';
import { initSpectralVector, spectralNormalize } from './spectral.js';
import type { ApplyContext, ApplyResult, Net, TensorMap } from './types.js';

/** One step of a network; `next` collects the state to return. */
export interface Layer {
  init(rng: Rng, kind: InitKind, params: TensorMap, state: TensorMap): void;
  apply(
    p: TensorMap,
    s: TensorMap,
    x: tf.Tensor,
    ctx: ApplyContext,
    next: TensorMap,
  ): tf.Tensor;
  /**
   * Dense layers only: the layer's weights and activation without running
   * it, so that sequential can run a run of dense layers as one fused op.
   */
  dense?(p: TensorMap, s: TensorMap, ctx: ApplyContext, next: TensorMap):
    DenseSpec;
}

function get(map: TensorMap, key: string, what: string): tf.Tensor {
  const t = map[key];
  if (t === undefined) {
    throw new UserError(
      `network: ${what} must contain "${key}", but got keys ` +
        `[${Object.keys(map).join(', ')}]`,
      'pass the maps returned by this network\'s init()',
    );
  }
  return t;
}

export interface AffineSpec {
  op: 'dense' | 'conv' | 'convT';
  /** dense `[in, out]`, conv `[kh, kw, in, out]`, convT `[kh, kw, out, in]`. */
  wShape: readonly number[];
  /** PyTorch's fan-in for this weight (see init.ts). */
  fanIn: number;
  bias: boolean;
  spectralNorm: boolean;
  stride?: number;
  pad?: number;
  /** convT only: the spatial output size. */
  outShape?: readonly [number, number];
  /** dense only: an activation fused into the layer. */
  activation?: Activation;
  leak?: number;
}

/** dense, conv or transposed conv, optionally spectrally normalised. */
export function affine(name: string, spec: AffineSpec): Layer {
  const kw = `${name}/w`;
  const kb = `${name}/b`;
  const ku = `${name}/u`;
  const outUnits = spec.wShape[spec.wShape.length - 1]!;
  const biasUnits =
    spec.op === 'convT' ? spec.wShape[2]! : outUnits;
  const conv = { stride: spec.stride ?? 1, pad: spec.pad ?? 0 };
  const weights = (
    p: TensorMap, s: TensorMap, ctx: ApplyContext, next: TensorMap,
  ) => {
    let w = get(p, kw, 'params');
    const b = spec.bias ? get(p, kb, 'params') : null;
    if (spec.spectralNorm) {
      const sn = spectralNormalize(w, get(s, ku, 'state'), ctx);
      w = sn.w;
      next[ku] = sn.u;
    }
    return { w, b };
  };
  return {
    init(rng, kind, params, state) {
      params[kw] = initWeight(rng, kind, spec.wShape, spec.fanIn);
      if (spec.bias) params[kb] = initBias(rng, kind, biasUnits, spec.fanIn);
      if (spec.spectralNorm) {
        state[ku] = initSpectralVector(outUnits, (n) => rng.normalArray(n));
      }
    },
    ...(spec.op === 'dense' ? {
      dense(p: TensorMap, s: TensorMap, ctx: ApplyContext, next: TensorMap) {
        const { w, b } = weights(p, s, ctx, next);
        return {
          w, b, act: spec.activation ?? 'none', leak: spec.leak ?? 0.2,
        };
      },
    } : {}),
    apply(p, s, x, ctx, next) {
      const { w, b } = weights(p, s, ctx, next);
      switch (spec.op) {
        case 'dense':
          return dense(x, w, b, spec.activation ?? 'none', spec.leak ?? 0.2);
        case 'conv':
          return conv2d(x, w, b, conv);
        case 'convT':
          return conv2dTranspose(x, w, b, {
            ...conv,
            outShape: spec.outShape!,
          });
      }
    },
  };
}

/** Batch norm over the last axis, `c` channels. */
export function norm(name: string, c: number): Layer {
  const k = {
    gamma: `${name}/gamma`,
    beta: `${name}/beta`,
    mean: `${name}/mean`,
    var: `${name}/var`,
  };
  return {
    init(rng, kind, params, state) {
      const bn = initBatchNorm(rng, kind, c);
      params[k.gamma] = bn.gamma;
      params[k.beta] = bn.beta;
      state[k.mean] = bn.mean;
      state[k.var] = bn.var;
    },
    apply(p, s, x, ctx, next) {
      const r = batchNorm(
        x,
        get(p, k.gamma, 'params'),
        get(p, k.beta, 'params'),
        get(s, k.mean, 'state'),
        get(s, k.var, 'state'),
        { training: ctx.training },
      );
      next[k.mean] = r.runningMean;
      next[k.var] = r.runningVar;
      return r.y;
    },
  };
}

/** A parameter-free function of x. */
export function fn(f: (x: tf.Tensor) => tf.Tensor): Layer {
  return { init() {}, apply: (_p, _s, x) => f(x) };
}

export function act(kind: Activation, leak = 0.2): Layer {
  return fn((x) => activate(x, kind, leak));
}

export function pack(m: number): Layer {
  return fn((x) => packSamples(x, m));
}

/** Reshapes each sample to `shape` (batch kept). */
export function reshape(shape: readonly number[]): Layer {
  return fn((x) => tf.reshape(x, [x.shape[0]!, ...shape]));
}

/**
 * Minibatch discrimination on `[batch, a]` features with B kernels of
 * dimension C. T is drawn as a dense weight of fan-in a; the bias starts
 * at -1 whatever the init kind.
 */
export function minibatch(
  name: string,
  a: number,
  B: number,
  C: number,
): Layer {
  const kt = `${name}/T`;
  const kb = `${name}/b`;
  return {
    init(rng, kind, params) {
      params[kt] = initWeight(rng, kind, [a, B * C], a);
      params[kb] = tf.fill([B], -1);
    },
    apply(p, _s, x) {
      return minibatchDiscrimination(
        x,
        get(p, kt, 'params'),
        get(p, kb, 'params'),
        { B, C },
      );
    },
  };
}

/**
 * The layers to run: each run of two or more consecutive dense layers is
 * replaced by one layer that runs them as a single fused op (denseStack);
 * initialisation still walks the original list.
 */
function fuseDenseRuns(layers: readonly Layer[]): Layer[] {
  const out: Layer[] = [];
  let run: Layer[] = [];
  const flush = () => {
    if (run.length === 1) out.push(run[0]!);
    if (run.length > 1) {
      const members = run;
      out.push({
        init() {},
        apply(p, s, x, ctx, next) {
          return denseStack(x, members.map((l) => l.dense!(p, s, ctx, next)));
        },
      });
    }
    run = [];
  };
  for (const l of layers) {
    if (l.dense) {
      run.push(l);
    } else {
      flush();
      out.push(l);
    }
  }
  flush();
  return out;
}

/** Assembles layers into a Net; `name` prefixes input errors. */
export function sequential(
  name: string,
  layers: readonly Layer[],
  inputShape: readonly number[],
  outputShape: readonly number[],
  initKind: InitKind,
): Net {
  const steps = fuseDenseRuns(layers);
  return {
    inputShape,
    outputShape,
    init(rng: Rng) {
      const params: TensorMap = {};
      const state: TensorMap = {};
      for (const l of layers) l.init(rng, initKind, params, state);
      return { params, state };
    },
    apply(params, state, x, ctx): ApplyResult {
      const ok =
        x.rank === inputShape.length + 1 &&
        inputShape.every((d, i) => x.shape[i + 1] === d);
      check(
        ok,
        name,
        'x.shape',
        `[batch, ${inputShape.join(', ')}]`,
        x.shape,
      );
      // Evaluation returns the state object itself; training a copy whose
      // batch-norm and spectral-norm entries are replaced.
      const next: TensorMap = ctx.training ? { ...state } : {};
      let h = x;
      for (const l of steps) h = l.apply(params, state, h, ctx, next);
      return { y: h, state: ctx.training ? next : state };
    },
  };
}
