/**
 * Fused training ops with their own gradients: a dense layer, a standalone
 * activation, and one Adam update for every parameter.
 *
 * On the `modescope-native` backend each op is one native kernel
 * (src/backend/native/fused_kernels.ts) and a dense layer's backward pass
 * is at most three kernels (dx, dw, db, each run only when the tape needs
 * it), instead of the ~10 of matMul + add + activation. On every other
 * backend the same functions run a composite of standard tf.js ops with
 * identical results up to float32 rounding.
 *
 * Second order: dense, activation and batchNormTrain may be differentiated
 * any number of times (WGAN-GP, R1, unrolled GANs). While a gradient is
 * being recorded for a further differentiation, their gradients are
 * computed from the saved inputs in standard ops (unfused, slower, exact);
 * plain first-order training takes the fused kernels. adamUpdateAll has no
 * gradient (an optimiser step is never differentiated).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ActName } from './native/addon.js';
import { NATIVE_BACKEND } from './native/backend.js';
import { ensureSecondOrderGradients } from '../nn/gradients.js';

export type Activation = ActName;

const ACTIVATIONS: readonly Activation[] = [
  'linear', 'relu', 'relu6', 'elu', 'leakyrelu', 'sigmoid', 'tanh',
];

export interface ActivationOptions {
  /** The activation; default 'linear'. */
  activation?: Activation;
  /** leakyRelu's slope for x < 0; default 0.2. Must be > 0. */
  alpha?: number;
}

function isNative(): boolean {
  // tf.js's tanh/sigmoid gradients lose second-order terms unless patched
  // (src/nn/gradients.ts); both paths below may use them.
  ensureSecondOrderGradients();
  return tf.getBackend() === NATIVE_BACKEND;
}

function checkAct(where: string, o: ActivationOptions) {
  const activation = o.activation ?? 'linear';
  const alpha = o.alpha ?? 0.2;
  if (!ACTIVATIONS.includes(activation)) {
    throw new RangeError(
      `${where}: activation must be one of ${ACTIVATIONS.join(', ')}, but ` +
        `got "${String(activation)}"`,
    );
  }
  if (activation === 'leakyrelu' && !(alpha > 0)) {
    // The fused gradient recovers the sign of x from y = leaky(x).
    throw new RangeError(
      `${where}: alpha must be > 0 for leakyrelu, but got ${alpha}`,
    );
  }
  return { activation, alpha };
}

/** act(x) in standard ops (the composite path). */
function actComposite(x: tf.Tensor, act: Activation, alpha: number) {
  switch (act) {
    case 'relu': return tf.relu(x);
    case 'relu6': return tf.relu6(x);
    case 'elu': return tf.elu(x);
    case 'leakyrelu': return tf.leakyRelu(x, alpha);
    case 'sigmoid': return tf.sigmoid(x);
    case 'tanh': return tf.tanh(x);
    default: return x;
  }
}

/**
 * A dense layer: act(x w + b).
 *
 * x [batch, units], w [units, outUnits], b [outUnits] (optional), all
 * float32; returns [batch, outUnits].
 */
export function dense(
  x: tf.Tensor,
  w: tf.Tensor,
  b: tf.Tensor | null,
  options: ActivationOptions = {},
): tf.Tensor2D {
  const { activation, alpha } = checkAct('dense', options);
  if (x.rank !== 2 || w.rank !== 2 || x.shape[1] !== w.shape[0]) {
    throw new RangeError(
      `dense: x [batch, units] and w [units, outUnits] must agree, but got ` +
        `x [${x.shape}] and w [${w.shape}]`,
    );
  }
  if (b && (b.rank !== 1 || b.shape[0] !== w.shape[1])) {
    throw new RangeError(
      `dense: b must have shape [${w.shape[1]}], but got [${b.shape}]`,
    );
  }
  if (isNative()) {
    // The gradient saves every input, so a missing bias is a zero one.
    return tf.tidy(() => tf.engine().runKernel('MsDense', {
      x, w, b: b ?? tf.zeros([w.shape[1]!]),
    }, { activation, alpha }) as tf.Tensor2D);
  }
  return tf.tidy(() => {
    const z = tf.matMul(x, w);
    return actComposite(b ? tf.add(z, b) : z, activation, alpha);
  }) as tf.Tensor2D;
}

/** act(x) for any shape; one kernel forward and one backward on native. */
export function activation(
  x: tf.Tensor,
  options: ActivationOptions = {},
): tf.Tensor {
  const { activation: act, alpha } = checkAct('activation', options);
  if (isNative()) {
    return tf.engine().runKernel('MsAct', { x }, {
      activation: act, alpha,
    }) as tf.Tensor;
  }
  return actComposite(x, act, alpha);
}

export interface BatchNormOptions {
  /** Added to the variance; default 1e-5 (PyTorch's). */
  eps?: number;
}

/**
 * Training-mode batch normalisation over every axis but the last, with the
 * batch's own mean and biased variance (PyTorch's BatchNorm1d/2d in train
 * mode; running statistics are the caller's business):
 * y = gamma (x - mean) / sqrt(var + eps) + beta.
 *
 * x [..., channels] float32 (NHWC maps or [batch, features]); gamma and
 * beta [channels]. Returns x's shape.
 */
export function batchNormTrain(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  options: BatchNormOptions = {},
): tf.Tensor {
  const eps = options.eps ?? 1e-5;
  const c = x.shape[x.rank - 1];
  if (x.rank < 2 || gamma.shape.join() !== `${c}` ||
    beta.shape.join() !== `${c}`) {
    throw new RangeError(
      `batchNormTrain: gamma and beta must have shape [${c}] (x's last ` +
        `axis), but got [${gamma.shape}] and [${beta.shape}]`,
    );
  }
  if (isNative()) {
    return tf.engine().runKernel('MsBatchNorm', { x, gamma, beta }, {
      eps,
    }) as tf.Tensor;
  }
  return tf.tidy(() => {
    const axes = x.shape.slice(0, -1).map((_, i) => i);
    const { mean, variance } = tf.moments(x, axes);
    return tf.batchNorm(x, mean, variance, beta, gamma, eps);
  });
}

export interface AdamOptions {
  /** Learning rate. */
  lr: number;
  /** Decay of the first moment; default 0.9. */
  beta1?: number;
  /** Decay of the second moment; default 0.999. */
  beta2?: number;
  /** Added to the denominator; default 1e-8 (PyTorch's). */
  eps?: number;
  /** 1-based step number, for bias correction. */
  step: number;
}

/** A type alias (not an interface) so that tf.tidy accepts it. */
export type AdamState = {
  params: tf.Tensor[];
  m: tf.Tensor[];
  v: tf.Tensor[];
};

/**
 * One Adam step (Kingma & Ba 2015, with PyTorch's placement of eps:
 * p - lr m_hat / (sqrt(v_hat) + eps)) for every parameter at once.
 *
 * params, grads, m, v: equal-length lists of float32 tensors, matching
 * shapes pairwise. Returns new tensors; the inputs are left untouched (the
 * caller disposes them).
 */
export function adamUpdateAll(
  params: tf.Tensor[],
  grads: tf.Tensor[],
  m: tf.Tensor[],
  v: tf.Tensor[],
  options: AdamOptions,
): AdamState {
  const lr = options.lr;
  const beta1 = options.beta1 ?? 0.9;
  const beta2 = options.beta2 ?? 0.999;
  const eps = options.eps ?? 1e-8;
  const step = options.step;
  const n = params.length;
  if (grads.length !== n || m.length !== n || v.length !== n) {
    throw new RangeError(
      `adamUpdateAll: params, grads, m and v must have equal lengths, but ` +
        `got ${n}, ${grads.length}, ${m.length} and ${v.length}`,
    );
  }
  if (!Number.isInteger(step) || step < 1) {
    throw new RangeError(
      `adamUpdateAll: step must be an integer >= 1, but got ${step}`,
    );
  }
  for (let i = 0; i < n; ++i) {
    const s = params[i]!.shape.join(',');
    for (const [name, t] of [['grads', grads[i]!], ['m', m[i]!],
      ['v', v[i]!]] as const) {
      if (t.shape.join(',') !== s) {
        throw new RangeError(
          `adamUpdateAll: ${name}[${i}] must have shape [${s}], but got ` +
            `[${t.shape}]`,
        );
      }
    }
  }
  if (isNative() && n > 0) {
    const inputs: tf.NamedTensorMap = {};
    for (let i = 0; i < n; ++i) {
      inputs[`p${i}`] = params[i]!;
      inputs[`g${i}`] = grads[i]!;
      inputs[`m${i}`] = m[i]!;
      inputs[`v${i}`] = v[i]!;
    }
    const out = tf.engine().runKernel('MsAdam', inputs, {
      lr, beta1, beta2, eps, step, count: n,
    }) as unknown as tf.Tensor[];
    return {
      params: out.slice(0, n),
      m: out.slice(n, 2 * n),
      v: out.slice(2 * n),
    };
  }
  const bc1 = 1 - Math.pow(beta1, step);
  const bc2 = 1 - Math.pow(beta2, step);
  const out: AdamState = { params: [], m: [], v: [] };
  for (let i = 0; i < n; ++i) {
    const [p2, m2, v2] = tf.tidy(() => {
      const g = grads[i]!;
      const mi = tf.add(tf.mul(m[i]!, beta1), tf.mul(g, 1 - beta1));
      const vi = tf.add(tf.mul(v[i]!, beta2), tf.mul(tf.square(g), 1 - beta2));
      const denom = tf.add(tf.div(tf.sqrt(vi), Math.sqrt(bc2)), eps);
      const pi = tf.sub(params[i]!, tf.mul(tf.div(mi, denom), lr / bc1));
      return [pi, mi, vi];
    });
    out.params.push(p2!);
    out.m.push(m2!);
    out.v.push(v2!);
  }
  return out;
}

// ---- gradients ----

/**
 * act'(z) from the pre-activation z, in standard ops whose own gradients
 * are exact (the second-order path).
 */
function slopeOfZ(z: tf.Tensor, act: Activation, alpha: number): tf.Tensor {
  switch (act) {
    case 'relu': return tf.step(z);
    case 'relu6': return tf.mul(tf.step(z), tf.step(tf.sub(6, z)));
    case 'elu': {
      const pos = tf.step(z);
      return tf.add(pos, tf.mul(tf.sub(1, pos), tf.exp(tf.minimum(z, 0))));
    }
    case 'leakyrelu': return tf.add(tf.mul(tf.step(z), 1 - alpha), alpha);
    case 'sigmoid': {
      const y = tf.sigmoid(z);
      return tf.mul(y, tf.sub(1, y));
    }
    case 'tanh': return tf.sub(1, tf.square(tf.tanh(z)));
    default: return tf.onesLike(z);
  }
}

function actAttrs(attrs: unknown): { act: Activation; alpha: number } {
  const a = (attrs ?? {}) as Record<string, unknown>;
  return {
    act: String(a.activation ?? 'linear') as Activation,
    alpha: Number(a.alpha ?? 0.2),
  };
}

/**
 * True while a gradient is itself being recorded for differentiation
 * (tf.grad inside tf.grad, as in WGAN-GP, R1 or unrolled GANs). tf.js
 * fuses its own ops only when this is false, for the same reason: the
 * fused backward kernels read the saved forward *output*, and tf.js
 * records the copy of a saved output before the op that made it, so a
 * second differentiation would not find the path through it.
 */
function recordingGradients(): boolean {
  const state = tf.engine().state as unknown as { gradientDepth: number };
  return state.gradientDepth > 0;
}

/** All axes but the last: [0, ..., rank - 2]. */
function leadingAxes(x: tf.Tensor): number[] {
  return x.shape.slice(0, -1).map((_, i) => i);
}

let gradientsRegistered = false;

/**
 * Registers the gradients of the fused kernels (once). First order runs
 * the fused backward kernels; while gradients are being recorded for a
 * second differentiation they are computed from the saved inputs in
 * standard ops instead, so every order is exact.
 */
export function registerFusedGradients(): void {
  if (gradientsRegistered) return;
  gradientsRegistered = true;
  const run = (name: string, inputs: tf.NamedTensorMap, attrs: unknown) =>
    tf.engine().runKernel(
      name, inputs, attrs as tf.NamedAttrMap,
    ) as tf.Tensor;

  tf.registerGradient({
    kernelName: 'MsDense',
    inputsToSave: ['x', 'w', 'b'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, w, b, y] = saved as (tf.Tensor | undefined)[];
      const g = dy as tf.Tensor;
      if (!recordingGradients()) {
        return {
          x: () => run('MsDenseGradX', { dy: g, y: y!, w: w! }, attrs),
          w: () => run('MsDenseGradW', { dy: g, y: y!, x: x! }, attrs),
          b: () => run('MsDenseGradB', { dy: g, y: y! }, attrs),
        };
      }
      const { act, alpha } = actAttrs(attrs);
      const z = b ? tf.add(tf.matMul(x!, w!), b) : tf.matMul(x!, w!);
      const gz = tf.mul(g, slopeOfZ(z, act, alpha));
      return {
        x: () => tf.matMul(gz, w!, false, true),
        w: () => tf.matMul(x!, gz, true, false),
        b: () => tf.sum(gz, 0),
      };
    },
  });

  tf.registerGradient({
    kernelName: 'MsAct',
    inputsToSave: ['x'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, y] = saved as tf.Tensor[];
      const g = dy as tf.Tensor;
      if (!recordingGradients()) {
        return { x: () => run('MsActGrad', { dy: g, y: y! }, attrs) };
      }
      const { act, alpha } = actAttrs(attrs);
      return { x: () => tf.mul(g, slopeOfZ(x!, act, alpha)) };
    },
  });

  tf.registerGradient({
    kernelName: 'MsBatchNorm',
    inputsToSave: ['x', 'gamma'],
    gradFunc: (dy, saved, attrs) => {
      const [x, gamma] = saved as tf.Tensor[];
      const g = dy as tf.Tensor;
      if (!recordingGradients()) {
        // One kernel gives all three; the unused ones are freed with the
        // backward pass's scope.
        const [dx, dg, db] = tf.engine().runKernel(
          'MsBatchNormGrad', { dy: g, x: x!, gamma: gamma! },
          attrs as tf.NamedAttrMap,
        ) as unknown as tf.Tensor[];
        return { x: () => dx!, gamma: () => dg!, beta: () => db! };
      }
      // Ioffe & Szegedy 2015, section 3, in standard ops:
      // dx = gamma invstd / R (R dy - sum dy - xhat sum(dy xhat)).
      const eps = Number((attrs as Record<string, unknown>).eps);
      const axes = leadingAxes(x!);
      const rows = x!.size / x!.shape[x!.rank - 1]!;
      const mean = tf.mean(x!, axes);
      const xc = tf.sub(x!, mean);
      const invstd = tf.rsqrt(tf.add(tf.mean(tf.square(xc), axes), eps));
      const xhat = tf.mul(xc, invstd);
      const dbeta = tf.sum(g, axes);
      const dgamma = tf.sum(tf.mul(g, xhat), axes);
      return {
        x: () => tf.mul(
          tf.div(tf.mul(gamma!, invstd), rows),
          tf.sub(tf.sub(tf.mul(g, rows), dbeta), tf.mul(xhat, dgamma)),
        ),
        gamma: () => dgamma,
        beta: () => dbeta,
      };
    },
  });
}

registerFusedGradients();
