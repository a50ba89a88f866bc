/**
 * Stateless layers as pure functions of tensors.
 *
 * Images are NHWC: `[batch, height, width, channels]`. Weights are passed in
 * on every call so that a caller can differentiate with respect to them, and
 * through their updates (unrolled GAN) or through an input gradient (WGAN-GP,
 * R1). Shape checks are plain JavaScript and cost nothing next to the ops.
 */
import {
  activation as fusedActivate,
  dense as fusedDense,
  denseChain as fusedDenseChain,
  type Activation as FusedActivation,
} from '../backend/fused.js';
import { tf } from '../runtime/tf.js';
import { check, describe, UserRangeError } from '../util/errors.js';
import { ensureSecondOrderGradients } from './gradients.js';

/** Throws unless `t` has rank `rank`; `dims` names the expected axes. */
export function checkRank(
  t: tf.Tensor,
  rank: number,
  where: string,
  what: string,
  dims: string,
): void {
  if (t.rank !== rank) {
    throw new UserRangeError(
      `${where}: ${what} must be rank ${rank} ${dims}, but got rank ` +
        `${t.rank} (shape ${describe(t.shape)})`,
    );
  }
}

/**
 * Fully connected layer: `act(x w + b)`, one fused op (on the native
 * backend one kernel forward and at most three backward; elsewhere the
 * same composite of standard ops).
 *
 * @param x `[batch, inDim]` float32
 * @param w `[inDim, outDim]` float32
 * @param b `[outDim]` float32, or null for no bias
 * @returns `[batch, outDim]` float32
 */
export function dense(
  x: tf.Tensor,
  w: tf.Tensor,
  b: tf.Tensor | null,
  act: Activation = 'none',
  leak = 0.2,
): tf.Tensor2D {
  checkRank(x, 2, 'dense', 'x', '[batch, inDim]');
  checkRank(w, 2, 'dense', 'w', '[inDim, outDim]');
  check(
    x.shape[1] === w.shape[0],
    'dense',
    'x.shape[1]',
    `w.shape[0] = ${w.shape[0]}`,
    x.shape[1],
  );
  return fusedDense(x, w, b, { activation: fusedActivation(act), alpha: leak });
}

/** One layer of denseStack. */
export interface DenseSpec {
  w: tf.Tensor;
  b: tf.Tensor | null;
  act: Activation;
  leak: number;
}

/**
 * Consecutive dense layers, each `act(h w + b)`: the same as calling
 * dense per layer, run as one fused op (on the native backend one kernel
 * forward and one backward pass for the whole stack).
 */
export function denseStack(x: tf.Tensor, layers: readonly DenseSpec[]):
  tf.Tensor2D {
  checkRank(x, 2, 'dense', 'x', '[batch, inDim]');
  let units = x.shape[1]!;
  for (const l of layers) {
    checkRank(l.w, 2, 'dense', 'w', '[inDim, outDim]');
    check(units === l.w.shape[0], 'dense', 'x.shape[1]',
      `w.shape[0] = ${l.w.shape[0]}`, units);
    units = l.w.shape[1]!;
  }
  return fusedDenseChain(x, layers.map((l) => ({
    w: l.w,
    b: l.b,
    activation: fusedActivation(l.act),
    alpha: l.leak,
  })));
}

/** The fused ops' name for an activation. */
function fusedActivation(kind: Activation): FusedActivation {
  switch (kind) {
    case 'leakyRelu':
      return 'leakyrelu';
    case 'none':
      return 'linear';
    default:
      return kind;
  }
}

export interface ConvOptions {
  /** Stride in both spatial dimensions. Default 1. */
  stride?: number;
  /** Zero padding on every side, as PyTorch's `padding`. Default 0. */
  pad?: number;
}

/**
 * 2-D convolution (cross-correlation, as PyTorch's Conv2d).
 *
 * Output size: `floor((in + 2 pad - k) / stride) + 1`.
 *
 * @param x `[batch, height, width, inChannels]` float32
 * @param w `[kh, kw, inChannels, outChannels]` float32 (PyTorch's weight
 *   `[out, in, kh, kw]` permuted by (2, 3, 1, 0))
 * @param b `[outChannels]` float32, or null
 * @returns `[batch, outHeight, outWidth, outChannels]` float32
 */
export function conv2d(
  x: tf.Tensor,
  w: tf.Tensor,
  b: tf.Tensor | null,
  opts: ConvOptions = {},
): tf.Tensor4D {
  const { stride = 1, pad = 0 } = opts;
  checkRank(x, 4, 'conv2d', 'x', '[batch, height, width, inChannels]');
  checkRank(w, 4, 'conv2d', 'w', '[kh, kw, inChannels, outChannels]');
  check(
    x.shape[3] === w.shape[2],
    'conv2d',
    'x channels',
    `w.shape[2] = ${w.shape[2]}`,
    x.shape[3],
  );
  const y = tf.conv2d(
    x as tf.Tensor4D,
    w as tf.Tensor4D,
    stride,
    pad as unknown as 'valid',
  );
  return b === null ? y : (tf.add(y, b) as tf.Tensor4D);
}

export interface ConvTransposeOptions extends ConvOptions {
  /** Spatial output size `[outHeight, outWidth]`. */
  outShape: readonly [number, number];
}

/**
 * Transposed 2-D convolution (the adjoint of conv2d with the same kernel,
 * stride and padding), as PyTorch's ConvTranspose2d with output_padding
 * chosen to give `outShape`: with k = 4, stride 2, pad 1, 7 -> 14 -> 28.
 *
 * @param x `[batch, height, width, inChannels]` float32
 * @param w `[kh, kw, outChannels, inChannels]` float32: tf.js's layout for
 *   transposed filters (PyTorch's weight `[in, out, kh, kw]` permuted by
 *   (2, 3, 1, 0)); kept as is so that no transpose runs per call
 * @param b `[outChannels]` float32, or null
 * @returns `[batch, outHeight, outWidth, outChannels]` float32
 */
export function conv2dTranspose(
  x: tf.Tensor,
  w: tf.Tensor,
  b: tf.Tensor | null,
  opts: ConvTransposeOptions,
): tf.Tensor4D {
  const { stride = 1, pad = 0, outShape } = opts;
  const where = 'conv2dTranspose';
  checkRank(x, 4, where, 'x', '[batch, height, width, inChannels]');
  checkRank(w, 4, where, 'w', '[kh, kw, outChannels, inChannels]');
  check(
    x.shape[3] === w.shape[3],
    where,
    'x channels',
    `w.shape[3] = ${w.shape[3]}`,
    x.shape[3],
  );
  // The inverse of conv2d's size rule must land on x's size, or the
  // requested output size is not reachable with this kernel and stride.
  const [kh, kw] = w.shape;
  for (const [i, k] of [
    [0, kh],
    [1, kw],
  ] as const) {
    const back = Math.floor((outShape[i] + 2 * pad - k) / stride) + 1;
    check(
      back === x.shape[1 + i],
      where,
      `outShape[${i}]`,
      `a size that conv2d (k ${k}, stride ${stride}, pad ${pad}) maps ` +
        `to ${x.shape[1 + i]}`,
      outShape[i],
    );
  }
  const y = tf.conv2dTranspose(
    x as tf.Tensor4D,
    w as tf.Tensor4D,
    [x.shape[0]!, outShape[0], outShape[1], w.shape[2]!],
    stride,
    pad as unknown as 'valid',
  );
  return b === null ? y : (tf.add(y, b) as tf.Tensor4D);
}

export type Activation = 'relu' | 'leakyRelu' | 'tanh' | 'sigmoid' | 'none';

/** Elementwise activation; `leak` is the negative slope of leakyRelu. */
export function activate(
  x: tf.Tensor,
  kind: Activation,
  leak = 0.2,
): tf.Tensor {
  ensureSecondOrderGradients();
  // On the native backend one kernel forward and one backward; elsewhere
  // (and inside nested gradient tapes) the standard tf.js ops.
  return kind === 'none'
    ? x
    : fusedActivate(x, { activation: fusedActivation(kind), alpha: leak });
}
