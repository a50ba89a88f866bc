/**
 * Initial parameter draws. Every draw comes from the Rng passed to
 * `Net.init`, in a fixed order, so a seed fixes the initial weights.
 *
 * 'pytorch': PyTorch's defaults. Linear and conv weights use
 *   kaiming_uniform(a = sqrt(5)), which is U(-1/sqrt(fanIn), 1/sqrt(fanIn)),
 *   and biases the same bound; batch-norm gamma 1, beta 0. PyTorch takes
 *   fanIn from the weight's dimension 1 times the kernel area, which for
 *   ConvTranspose2d is the *output* channels; that quirk is kept.
 * 'normal02': the DCGAN paper's N(0, 0.02) weights, zero biases, and
 *   batch-norm gamma N(1, 0.02), beta 0.
 */
import { tf } from '../runtime/tf.js';
import type { Rng } from '../util/rng.js';

export type InitKind = 'pytorch' | 'normal02';

export const INIT_KINDS: readonly InitKind[] = ['pytorch', 'normal02'];

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A weight of `shape` whose PyTorch fan-in is `fanIn`. */
export function initWeight(
  rng: Rng,
  kind: InitKind,
  shape: readonly number[],
  fanIn: number,
): tf.Tensor {
  const n = size(shape);
  const bound = 1 / Math.sqrt(fanIn);
  const data =
    kind === 'pytorch'
      ? rng.uniformArray(n, -bound, bound)
      : rng.normalArray(n, 0, 0.02);
  return tf.tensor(data, [...shape]);
}

/** A bias `[n]` for a layer whose PyTorch fan-in is `fanIn`. */
export function initBias(
  rng: Rng,
  kind: InitKind,
  n: number,
  fanIn: number,
): tf.Tensor {
  if (kind === 'normal02') return tf.zeros([n]);
  const bound = 1 / Math.sqrt(fanIn);
  return tf.tensor1d(rng.uniformArray(n, -bound, bound));
}

/** Batch-norm parameters `{gamma, beta}` and state `{mean, var}`, `[c]`. */
export function initBatchNorm(
  rng: Rng,
  kind: InitKind,
  c: number,
): { gamma: tf.Tensor; beta: tf.Tensor; mean: tf.Tensor; var: tf.Tensor } {
  const gamma =
    kind === 'normal02'
      ? tf.tensor1d(rng.normalArray(c, 1, 0.02))
      : tf.ones([c]);
  return {
    gamma,
    beta: tf.zeros([c]),
    mean: tf.zeros([c]),
    var: tf.ones([c]),
  };
}
