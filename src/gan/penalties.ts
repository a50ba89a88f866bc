/**
 * Gradient penalties on the discriminator (critic). Both return a scalar
 * that stays differentiable with respect to the critic's parameters (the
 * critic closes over them): tf.grad inside an outer tf.grad/tf.grads
 * records the input gradient's ops on the outer tape, as PyTorch's
 * `autograd.grad(..., create_graph=True)` does.
 *
 * The caller multiplies by the weight: lambda for WGAN-GP, gamma / 2 for R1.
 */
import { tf } from '../runtime/tf.js';
import { check, describe } from '../util/errors.js';
import { ensureSecondOrderGradients } from '../nn/gradients.js';
import { scalar } from '../nn/util.js';

/** Critic outputs `[n, 1]` (or any shape) for inputs `[batch, ...]`. */
export type Critic = (x: tf.Tensor) => tf.Tensor;

// Keeps sqrt differentiable where an input gradient is exactly zero (dead
// relu units): sqrt'(0) is infinite and would turn 0 * inf into NaN. It
// moves a norm of 1 by 5e-13, far below float32 resolution.
const NORM_EPS = 1e-12;

/** d sum(critic(x)) / dx: `[batch, ...]`, each row its sample's gradient. */
function inputGradient(critic: Critic, x: tf.Tensor): tf.Tensor {
  // The penalty's own gradient differentiates this one: see gradients.ts.
  ensureSecondOrderGradients();
  return tf.grad((xi: tf.Tensor) => tf.sum(critic(xi)))(x);
}

/** Per-sample squared L2 norm over all non-batch axes: `[batch]`. */
function sumSquares(g: tf.Tensor): tf.Tensor {
  const axes = [...Array(g.rank).keys()].slice(1);
  return tf.sum(tf.square(g), axes);
}

/**
 * WGAN-GP (Gulrajani et al. 2017, "Improved Training of Wasserstein GANs"):
 *   E[(||grad_x critic(x_hat)||_2 - 1)^2],
 *   x_hat = alpha real + (1 - alpha) fake,  alpha ~ U[0, 1] per sample.
 * The norm is per sample over all non-batch axes. A packing critic
 * (PacGAN) packs x_hat itself, so interpolation is per sample and the norm
 * is that of each unpacked sample's gradient.
 *
 * @param real `[batch, ...]`
 * @param fake `[batch, ...]`, same shape
 * @param alpha `[batch]` uniform draws, from the caller's Rng
 * @returns `[]` the penalty, before multiplying by lambda
 */
export function gradientPenalty(
  critic: Critic,
  real: tf.Tensor,
  fake: tf.Tensor,
  alpha: tf.Tensor,
): tf.Scalar {
  const where = 'gradientPenalty';
  check(
    real.rank >= 2 && describe(real.shape) === describe(fake.shape),
    where,
    'fake.shape',
    `real's shape ${describe(real.shape)} (rank >= 2)`,
    fake.shape,
  );
  const batch = real.shape[0]!;
  check(
    alpha.rank === 1 && alpha.shape[0] === batch,
    where,
    'alpha.shape',
    `[${batch}]`,
    alpha.shape,
  );
  const a = tf.reshape(alpha, [batch, ...Array(real.rank - 1).fill(1)]);
  // fake + alpha (real - fake) = alpha real + (1 - alpha) fake
  const xHat = tf.add(fake, tf.mul(a, tf.sub(real, fake)));
  const g = inputGradient(critic, xHat);
  const norm = tf.sqrt(tf.add(sumSquares(g), scalar(NORM_EPS)));
  return tf.mean(tf.square(tf.sub(norm, scalar(1)))) as tf.Scalar;
}

/**
 * R1 (Mescheder et al. 2018, "Which Training Methods for GANs do actually
 * Converge?"): E[||grad_x critic(x)||_2^2] on real data.
 *
 * @param real `[batch, ...]`
 * @returns `[]` the penalty, before multiplying by gamma / 2
 */
export function r1Penalty(critic: Critic, real: tf.Tensor): tf.Scalar {
  check(real.rank >= 2, 'r1Penalty', 'real rank', 'at least 2', real.rank);
  return tf.mean(sumSquares(inputGradient(critic, real))) as tf.Scalar;
}
