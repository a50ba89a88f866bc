/**
 * Batch normalisation with PyTorch's semantics (BatchNorm1d / BatchNorm2d).
 *
 * Training: normalise with the batch mean and the biased batch variance;
 * update the running statistics with the unbiased variance:
 *   running = (1 - momentum) running + momentum batchStat.
 * Evaluation: normalise with the running statistics, which come back
 * unchanged.
 */
import { tf } from '../runtime/tf.js';
import { check } from '../util/errors.js';
import { scalar } from './util.js';

export interface BatchNormOptions {
  training: boolean;
  /** Weight of the new batch statistic in the running one. Default 0.1. */
  momentum?: number;
  /** Added to the variance before the square root. Default 1e-5. */
  eps?: number;
}

export interface BatchNormResult {
  /** Same shape as x. */
  y: tf.Tensor;
  /** `[channels]`; the input's running mean in evaluation mode. */
  runningMean: tf.Tensor;
  /** `[channels]`; the input's running variance in evaluation mode. */
  runningVar: tf.Tensor;
}

/**
 * Normalises each channel (the last axis) over every other axis.
 *
 * @param x `[batch, features]` or `[batch, height, width, channels]` float32
 * @param gamma `[channels]` scale
 * @param beta `[channels]` shift
 * @param runningMean `[channels]`
 * @param runningVar `[channels]`
 */
export function batchNorm(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  runningMean: tf.Tensor,
  runningVar: tf.Tensor,
  opts: BatchNormOptions,
): BatchNormResult {
  const { training, momentum = 0.1, eps = 1e-5 } = opts;
  const c = x.shape[x.rank - 1]!;
  for (const [name, t] of [
    ['gamma', gamma],
    ['beta', beta],
    ['runningMean', runningMean],
    ['runningVar', runningVar],
  ] as const) {
    check(
      t.rank === 1 && t.shape[0] === c,
      'batchNorm',
      `${name}.shape`,
      `[${c}] (the channels of x)`,
      t.shape,
    );
  }
  const axes = [...Array(x.rank - 1).keys()];
  const n = x.size / c;
  if (training) {
    check(n > 1, 'batchNorm', 'values per channel in training',
      'more than 1', n);
  }
  if (!training) {
    const scale = tf.mul(gamma, tf.rsqrt(tf.add(runningVar, scalar(eps))));
    const shift = tf.sub(beta, tf.mul(runningMean, scale));
    return { y: tf.add(tf.mul(x, scale), shift), runningMean, runningVar };
  }
  // Written out rather than tf.moments, which would subtract the mean a
  // second time: the centred input serves both the variance and y.
  const meanKeep = tf.mean(x, axes, true);
  const centred = tf.sub(x, meanKeep);
  const variance = tf.mean(tf.square(centred), axes);
  const mean = tf.reshape(meanKeep, [c]);
  const scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, scalar(eps))));
  const y = tf.add(tf.mul(centred, scale), beta);
  const keep = scalar(1 - momentum);
  const newMean = tf.add(
    tf.mul(runningMean, keep),
    tf.mul(mean, scalar(momentum)),
  );
  // PyTorch stores the unbiased variance: n / (n - 1) times the biased one.
  const newVar = tf.add(
    tf.mul(runningVar, keep),
    tf.mul(variance, scalar((momentum * n) / (n - 1))),
  );
  return { y, runningMean: newMean, runningVar: newVar };
}
