/**
 * The functional model contract shared by every network in modescope.
 *
 * A network holds no tensors of its own: its trainable parameters and its
 * non-trainable state (batch-norm running statistics, spectral-norm power
 * iteration vectors) are plain maps from names to tensors, passed in on every
 * call. This is what lets a gradient penalty differentiate through a
 * gradient, and an unrolled GAN differentiate through simulated updates of
 * the discriminator's parameters.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../util/rng.js';

/** Named tensors; names are stable and '/'-separated, e.g. `fc0/w`. */
export type TensorMap = Record<string, tf.Tensor>;

export interface ApplyContext {
  /**
   * Training mode: batch norm uses batch statistics and returns updated
   * running ones; spectral norm runs its power iteration and returns the
   * new vectors. In evaluation mode state is returned unchanged.
   */
  training: boolean;
}

export interface ApplyResult {
  /** The network's output. */
  y: tf.Tensor;
  /** The state to use next time (same keys as the state passed in). */
  state: TensorMap;
}

export interface Net {
  /** Shape of one input sample, without the batch dimension. */
  readonly inputShape: readonly number[];
  /** Shape of one output sample, without the batch dimension. */
  readonly outputShape: readonly number[];
  /** Fresh parameters and state, drawn from `rng`. */
  init(rng: Rng): { params: TensorMap; state: TensorMap };
  /** Forward pass on `x` of shape `[batch, ...inputShape]`. */
  apply(
    params: TensorMap,
    state: TensorMap,
    x: tf.Tensor,
    ctx: ApplyContext,
  ): ApplyResult;
}
