/**
 * Fused training ops with their own gradients: a dense layer, a chain of
 * them (denseChain; denseChainFlat with every weight and bias in one flat
 * tensor), a standalone activation, and one Adam update for every
 * parameter (adamUpdateAll; adamUpdateFlat with the moments flat).
 *
 * On the `modescope-native` backend each op is one native kernel
 * (src/backend/native/fused_kernels.ts) and a dense layer's backward pass
 * is at most three kernels (dx, dw, db, each run only when the tape needs
 * it), instead of the ~10 of matMul + add + activation. On every other
 * backend the same functions run a composite of standard tf.js ops with
 * identical results up to float32 rounding.
 *
 * Also: minibatch discrimination's pairwise kernel sum.
 *
 * Second order: dense, activation, batchNormTrain and minibatchKernelSum
 * may be differentiated any number of times (WGAN-GP, R1, unrolled GANs):
 * inside nested gradient scopes they run as the composite of standard ops
 * (unfused, slower, exact), see useFused; plain first-order training takes
 * the fused kernels. adamUpdateAll and adamUpdateFlat have no gradient
 * (an optimiser step is never differentiated).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ACT as ACT_CODE, type ActName } from './native/addon.js';
import { NATIVE_BACKEND } from './native/backend.js';
import { ADAM_NAMES, mlpGradient } from './native/fused_kernels.js';
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

/**
 * Whether to run the fused kernels: on modescope-native, unless this
 * forward pass runs inside two nested gradient scopes (tf.grad within
 * tf.grad: WGAN-GP, R1, unrolled GANs), whose backward pass will itself be
 * differentiated. The fused backward kernels read the saved forward
 * *output*, and tf.js records the copy of a saved output before the op
 * that made it, so a second differentiation would not find the path
 * through it; tf.js declines to fuse its own ops under gradients for the
 * same kind of reason. There the composite of standard ops runs instead.
 */
function useFused(): boolean {
  // tf.js's tanh/sigmoid gradients lose second-order terms unless patched
  // (src/nn/gradients.ts); the composite path uses them.
  ensureSecondOrderGradients();
  if (tf.getBackend() !== NATIVE_BACKEND) return false;
  const state = tf.engine().state as unknown as { gradientDepth: number };
  return state.gradientDepth < 2;
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
  if (useFused()) {
    const inputs: tf.NamedTensorMap = b ? { x, w, b } : { x, w };
    return tf.engine().runKernel('MsDense', inputs, {
      activation, alpha,
    }) as tf.Tensor2D;
  }
  return tf.tidy(() => {
    const z = tf.matMul(x, w);
    return actComposite(b ? tf.add(z, b) : z, activation, alpha);
  }) as tf.Tensor2D;
}

/** One layer of denseChain. */
export interface ChainLayer extends ActivationOptions {
  /** [units, outUnits] */
  w: tf.Tensor;
  /** [outUnits], or null for none. */
  b: tf.Tensor | null;
}

/**
 * A chain of dense layers, h = act_l(h w_l + b_l) for each in turn: on
 * modescope-native one kernel forward and one backward pass for the whole
 * chain (src/backend/native/fused_kernels.ts: MsMlp), elsewhere (and
 * inside nested gradient scopes) the same as calling dense per layer.
 *
 * x [batch, units]; returns [batch, outUnits of the last layer].
 */
export function denseChain(
  x: tf.Tensor,
  layers: readonly ChainLayer[],
): tf.Tensor2D {
  if (layers.length === 0) {
    throw new RangeError('denseChain: needs at least one layer, but got 0');
  }
  const checked = layers.map((l, i) => {
    const a = checkAct(`denseChain: layer ${i}`, l);
    const units = i === 0 ? x.shape[1] : layers[i - 1]!.w.shape[1];
    if (l.w.rank !== 2 || l.w.shape[0] !== units) {
      throw new RangeError(
        `denseChain: layer ${i}'s w must have shape [${units}, outUnits], ` +
          `but got [${l.w.shape}]`,
      );
    }
    if (l.b && (l.b.rank !== 1 || l.b.shape[0] !== l.w.shape[1])) {
      throw new RangeError(
        `denseChain: layer ${i}'s b must have shape [${l.w.shape[1]}], ` +
          `but got [${l.b.shape}]`,
      );
    }
    return a;
  });
  if (x.rank !== 2) {
    throw new RangeError(
      `denseChain: x must be [batch, units], but got [${x.shape}]`,
    );
  }
  let allF32 = x.dtype === 'float32';
  for (const l of layers) {
    allF32 &&= l.w.dtype === 'float32' && (!l.b || l.b.dtype === 'float32');
  }
  if (useFused() && allF32) {
    const inputs: tf.Tensor[] = [];
    for (const l of layers) {
      inputs.push(l.w);
      if (l.b) inputs.push(l.b);
    }
    inputs.push(x);
    const state = tf.engine().state as unknown as { gradientDepth: number };
    return tf.engine().runKernel(
      'MsMlp', inputs as unknown as tf.NamedTensorMap, {
        acts: checked.map((c) => ACT_CODE[c.activation]),
        alphas: checked.map((c) => c.alpha),
        biases: layers.map((l) => (l.b ? 1 : 0)),
        save: state.gradientDepth > 0,
      },
    ) as tf.Tensor2D;
  }
  let h = x;
  layers.forEach((l, i) => {
    h = dense(h, l.w, l.b, checked[i]!);
  });
  return h as tf.Tensor2D;
}

/**
 * The shape of an MLP whose parameters live in one flat tensor (see
 * denseChainFlat).
 */
export interface FlatMlpSpec {
  /** Widths from input to output: [in, hidden..., out] (>= 2 entries). */
  widths: readonly number[];
  /** One per layer (widths.length - 1): activation and alpha. */
  layers: readonly ActivationOptions[];
  /** Whether the layers have biases; default true. */
  bias?: boolean;
}

/** theta's length for spec: the sum over layers of in*out (+ out). */
export function flatMlpSize(spec: FlatMlpSpec): number {
  const { widths } = spec;
  let n = 0;
  for (let l = 0; l + 1 < widths.length; ++l) {
    n += widths[l]! * widths[l + 1]!;
    if (spec.bias !== false) n += widths[l + 1]!;
  }
  return n;
}

function checkFlatSpec(spec: FlatMlpSpec): void {
  const { widths, layers } = spec;
  if (widths.length < 2 || !widths.every((w) => Number.isInteger(w) && w > 0)) {
    throw new RangeError(
      `denseChainFlat: widths must be >= 2 positive integers, but got ` +
        `[${widths.join(',')}]`,
    );
  }
  if (layers.length !== widths.length - 1) {
    throw new RangeError(
      `denseChainFlat: needs ${widths.length - 1} layers for widths ` +
        `[${widths.join(',')}], but got ${layers.length}`,
    );
  }
}

/**
 * Layer l's weight [widths[l], widths[l+1]] and bias of a flat parameter
 * tensor, as standard-op slices (differentiable to any order).
 */
export function flatMlpLayers(
  theta: tf.Tensor,
  spec: FlatMlpSpec,
): ChainLayer[] {
  checkFlatSpec(spec);
  const { widths } = spec;
  const out: ChainLayer[] = [];
  let at = 0;
  for (let l = 0; l + 1 < widths.length; ++l) {
    const i = widths[l]!;
    const o = widths[l + 1]!;
    const w = tf.reshape(tf.slice(theta, [at], [i * o]), [i, o]);
    at += i * o;
    let b: tf.Tensor | null = null;
    if (spec.bias !== false) {
      b = tf.slice(theta, [at], [o]);
      at += o;
    }
    out.push({ ...spec.layers[l], w, b });
  }
  return out;
}

/**
 * denseChain with every layer's parameters in one flat float32 tensor
 * theta [flatMlpSize(spec)]: w_0 ([in, out], row-major), b_0, w_1, b_1,
 * ... The same values and gradients as denseChain over those slices; on
 * modescope-native one MsMlp kernel whose gradient is one tensor, so that
 * a training step of a small MLP (a toy GAN's G and D) makes a handful of
 * tensors instead of one per weight and bias, and its Adam update (see
 * adamUpdateFlat) runs on a single parameter. Elsewhere, and inside
 * nested gradient scopes, the composite over flatMlpLayers.
 *
 * x [batch, widths[0]]; returns [batch, widths[last]].
 */
export function denseChainFlat(
  x: tf.Tensor,
  theta: tf.Tensor,
  spec: FlatMlpSpec,
): tf.Tensor2D {
  checkFlatSpec(spec);
  const size = flatMlpSize(spec);
  if (theta.rank !== 1 || theta.size !== size) {
    throw new RangeError(
      `denseChainFlat: theta must be [${size}] for widths ` +
        `[${spec.widths.join(',')}], but got [${theta.shape}]`,
    );
  }
  if (x.rank !== 2 || x.shape[1] !== spec.widths[0]) {
    throw new RangeError(
      `denseChainFlat: x must be [batch, ${spec.widths[0]}], but got ` +
        `[${x.shape}]`,
    );
  }
  const checked = spec.layers.map((l, i) =>
    checkAct(`denseChainFlat: layer ${i}`, l));
  if (useFused() && x.dtype === 'float32' && theta.dtype === 'float32') {
    const state = tf.engine().state as unknown as { gradientDepth: number };
    const bias = spec.bias === false ? 0 : 1;
    return tf.engine().runKernel(
      'MsMlp', [theta, x] as unknown as tf.NamedTensorMap, {
        acts: checked.map((c) => ACT_CODE[c.activation]),
        alphas: checked.map((c) => c.alpha),
        biases: checked.map(() => bias),
        flat: spec.widths.slice(),
        save: state.gradientDepth > 0,
      },
    ) as tf.Tensor2D;
  }
  return denseChain(x, flatMlpLayers(theta, spec));
}

/**
 * mean(softplus(sign * x)) over every element of x, a scalar: the
 * cross-entropy terms of GAN losses on logits (-log sigmoid(x) =
 * softplus(-x), -log(1 - sigmoid(x)) = softplus(x)). One kernel forward
 * and one backward on modescope-native instead of about a dozen;
 * elsewhere the composite of standard ops.
 */
export function softplusMean(x: tf.Tensor, sign: 1 | -1 = 1): tf.Scalar {
  if (sign !== 1 && sign !== -1) {
    throw new RangeError(`softplusMean: sign must be 1 or -1, but got ${sign}`);
  }
  if (useFused() && x.dtype === 'float32' && x.size > 0) {
    return tf.engine().runKernel('MsSoftplusMean', { x }, { sign }) as
      tf.Scalar;
  }
  return tf.tidy(() =>
    tf.mean(tf.softplus(sign === 1 ? x : tf.neg(x)))) as tf.Scalar;
}

/** act(x) for any shape; one kernel forward and one backward on native. */
export function activation(
  x: tf.Tensor,
  options: ActivationOptions = {},
): tf.Tensor {
  const { activation: act, alpha } = checkAct('activation', options);
  if (useFused()) {
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
  if (useFused()) {
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

/**
 * The pairwise kernel sum of minibatch discrimination (Salimans et al.
 * 2016, section 3.2): for m [N, B, C], the [N, B] tensor
 *   o[i, b] = sum over j of exp(-sum over c of |m[i,b,c] - m[j,b,c]|),
 * the j = i term (exactly 1) included. One native kernel each way on
 * modescope-native, with no [N, N, B, C] intermediate; elsewhere, and
 * inside nested gradient scopes, the composite of standard ops.
 */
export function minibatchKernelSum(m: tf.Tensor): tf.Tensor2D {
  if (m.rank !== 3) {
    throw new RangeError(
      `minibatchKernelSum: m must be [N, B, C], but got [${m.shape}]`,
    );
  }
  if (useFused() && m.dtype === 'float32' && m.size > 0) {
    return tf.engine().runKernel('MsMinibatch', { m }, {}) as tf.Tensor2D;
  }
  return tf.tidy(() => {
    // [N, 1, B, C] - [1, N, B, C] -> [N, N, B, C]
    const diff = tf.sub(tf.expandDims(m, 1), tf.expandDims(m, 0));
    // |d| as d sign(d): its gradient is sign(d), 0 at a tie (PyTorch's
    // convention, and the native kernel's); tf.abs's is -1 at 0, which
    // pushes exactly equal samples (a collapsed batch) one way only.
    const l1 = tf.sum(tf.mul(diff, tf.sign(diff)), 3);
    return tf.sum(tf.exp(tf.neg(l1)), 1);
  }) as tf.Tensor2D;
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
  const n = params.length;
  if (grads.length !== n || m.length !== n || v.length !== n) {
    throw new RangeError(
      `adamUpdateAll: params, grads, m and v must have equal lengths, but ` +
        `got ${n}, ${grads.length}, ${m.length} and ${v.length}`,
    );
  }
  const { lr, beta1, beta2, eps, step } = adamSettings('adamUpdateAll',
    options);
  for (let i = 0; i < n; ++i) {
    const shape = params[i]!.shape;
    const lists = [grads, m, v];
    for (let k = 0; k < 3; ++k) {
      const t = lists[k]![i]!;
      if (!sameShape(t.shape, shape)) {
        throw new RangeError(
          `adamUpdateAll: ${['grads', 'm', 'v'][k]}[${i}] must have shape ` +
            `[${shape.join(',')}], but got [${t.shape}]`,
        );
      }
    }
  }
  if (tf.getBackend() === NATIVE_BACKEND && n > 0) {
    const inputs: tf.NamedTensorMap = {};
    for (let i = 0; i < n; ++i) {
      inputs[ADAM_NAMES.p(i)] = params[i]!;
      inputs[ADAM_NAMES.g(i)] = grads[i]!;
      inputs[ADAM_NAMES.m(i)] = m[i]!;
      inputs[ADAM_NAMES.v(i)] = v[i]!;
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
  return adamComposite(params, grads, m, v, lr, beta1, beta2, eps, step);
}

/** AdamOptions with their defaults, the step checked. */
function adamSettings(where: string, options: AdamOptions) {
  const step = options.step;
  if (!Number.isInteger(step) || step < 1) {
    throw new RangeError(
      `${where}: step must be an integer >= 1, but got ${step}`,
    );
  }
  return {
    lr: options.lr,
    beta1: options.beta1 ?? 0.9,
    beta2: options.beta2 ?? 0.999,
    eps: options.eps ?? 1e-8,
    step,
  };
}

/** adamUpdateAll in standard ops, one parameter at a time. */
function adamComposite(
  params: tf.Tensor[],
  grads: tf.Tensor[],
  m: tf.Tensor[],
  v: tf.Tensor[],
  lr: number, beta1: number, beta2: number, eps: number, step: number,
): AdamState {
  const n = params.length;
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

/** Adam's moments for a whole parameter list, one flat tensor each. */
export type FlatAdamState = {
  params: tf.Tensor[];
  /** [total]: every parameter's first moment, in the order of params. */
  m: tf.Tensor1D;
  /** [total]: likewise the second moment. */
  v: tf.Tensor1D;
};

/**
 * adamUpdateAll with the moments of all parameters held in one flat
 * float32 tensor each (m and v of shape [total], total = the sum of the
 * parameters' sizes, parameter i's entries after those of 0..i-1; start
 * both at tf.zeros([total])). The same update to the bit; on
 * modescope-native it makes 2 moment tensors a step instead of two per
 * parameter, which is what a hand-written training loop over many small
 * parameters (a toy MLP GAN) spends a good part of its time on in tf.js's
 * bookkeeping. Returns new tensors; the inputs are left untouched.
 */
export function adamUpdateFlat(
  params: tf.Tensor[],
  grads: tf.Tensor[],
  m: tf.Tensor,
  v: tf.Tensor,
  options: AdamOptions,
): FlatAdamState {
  const n = params.length;
  let total = 0;
  for (const p of params) total += p.size;
  for (const [name, t] of [['m', m], ['v', v]] as const) {
    if (t.rank !== 1 || t.size !== total || t.dtype !== 'float32') {
      throw new RangeError(
        `adamUpdateFlat: ${name} must be float32 [${total}] (the parameters' ` +
          `total size), but got ${t.dtype} [${t.shape}]`,
      );
    }
  }
  if (grads.length !== n) {
    throw new RangeError(
      `adamUpdateFlat: params and grads must have equal lengths, but got ` +
        `${n} and ${grads.length}`,
    );
  }
  const { lr, beta1, beta2, eps, step } = adamSettings('adamUpdateFlat',
    options);
  for (let i = 0; i < n; ++i) {
    if (!sameShape(grads[i]!.shape, params[i]!.shape)) {
      throw new RangeError(
        `adamUpdateFlat: grads[${i}] must have shape ` +
          `[${params[i]!.shape.join(',')}], but got [${grads[i]!.shape}]`,
      );
    }
  }
  if (tf.getBackend() === NATIVE_BACKEND && n > 0) {
    const inputs: tf.NamedTensorMap = { m, v };
    for (let i = 0; i < n; ++i) {
      inputs[ADAM_NAMES.p(i)] = params[i]!;
      inputs[ADAM_NAMES.g(i)] = grads[i]!;
    }
    const out = tf.engine().runKernel('MsAdam', inputs, {
      lr, beta1, beta2, eps, step, count: n, flat: true,
    }) as unknown as tf.Tensor[];
    return {
      params: out.slice(0, n),
      m: out[n] as tf.Tensor1D,
      v: out[n + 1] as tf.Tensor1D,
    };
  }
  return tf.tidy(() => {
    const sizes = params.map((p) => p.size);
    const ms = n > 0 ? tf.split(m, sizes) : [];
    const vs = n > 0 ? tf.split(v, sizes) : [];
    const res = adamComposite(
      params, grads,
      ms.map((t, i) => tf.reshape(t, params[i]!.shape)),
      vs.map((t, i) => tf.reshape(t, params[i]!.shape)),
      lr, beta1, beta2, eps, step,
    );
    const flatten = (ts: tf.Tensor[]) =>
      (ts.length > 0 ? tf.concat(ts.map((t) => tf.reshape(t, [-1]))) :
        tf.zeros([0])) as tf.Tensor1D;
    return { params: res.params, m: flatten(res.m), v: flatten(res.v) };
  });
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; ++i) if (a[i] !== b[i]) return false;
  return true;
}

// ---- gradients (first order; see useFused for higher orders) ----

let gradientsRegistered = false;

/** Registers the gradients of the fused kernels (once). */
export function registerFusedGradients(): void {
  if (gradientsRegistered) return;
  gradientsRegistered = true;
  const run = (name: string, inputs: tf.NamedTensorMap, attrs: unknown) =>
    tf.engine().runKernel(
      name, inputs, attrs as tf.NamedAttrMap,
    ) as tf.Tensor;

  // Each piece runs only if the tape needs that input's gradient (the
  // generator step, for one, needs no weight gradients of D).
  tf.registerGradient({
    kernelName: 'MsDense',
    inputsToSave: ['x', 'w'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, w, y] = saved as tf.Tensor[];
      const g = dy as tf.Tensor;
      return {
        x: () => run('MsDenseGradX', { dy: g, y: y!, w: w! }, attrs),
        w: () => run('MsDenseGradW', { dy: g, y: y!, x: x! }, attrs),
        b: () => run('MsDenseGradB', { dy: g, y: y! }, attrs),
      };
    },
  });

  tf.registerGradient({
    kernelName: 'MsMlp',
    // The inputs are kept by the kernel itself (see MLP_SAVED).
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) =>
      mlpGradient(dy as tf.Tensor, saved as tf.Tensor[], attrs as never),
  });

  tf.registerGradient({
    kernelName: 'MsSoftplusMean',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as tf.Tensor[];
      return {
        x: () => run('MsSoftplusMeanGrad', { dy: dy as tf.Tensor, x: x! },
          attrs),
      };
    },
  });

  tf.registerGradient({
    kernelName: 'MsMinibatch',
    inputsToSave: ['m'],
    gradFunc: (dy, saved) => {
      const [m] = saved as tf.Tensor[];
      return {
        m: () => run('MsMinibatchGrad', { dy: dy as tf.Tensor, m: m! }, {}),
      };
    },
  });

  tf.registerGradient({
    kernelName: 'MsAct',
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [y] = saved as tf.Tensor[];
      return {
        x: () => run('MsActGrad', { dy: dy as tf.Tensor, y: y! }, attrs),
      };
    },
  });

  tf.registerGradient({
    kernelName: 'MsBatchNorm',
    inputsToSave: ['x', 'gamma'],
    gradFunc: (dy, saved, attrs) => {
      const [x, gamma] = saved as tf.Tensor[];
      // One kernel gives all three; the unused ones are freed with the
      // backward pass's scope.
      const [dx, dg, db] = tf.engine().runKernel(
        'MsBatchNormGrad', { dy: dy as tf.Tensor, x: x!, gamma: gamma! },
        attrs as tf.NamedAttrMap,
      ) as unknown as tf.Tensor[];
      return { x: () => dx!, gamma: () => dg!, beta: () => db! };
    },
  });
}

registerFusedGradients();
