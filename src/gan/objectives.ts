/**
 * The losses that the trainer differentiates, as pure functions of
 * parameter maps, so that they can be tested against a reference and
 * differentiated at any order.
 */
import { tf } from '../runtime/tf.js';
import type { Net, TensorMap } from '../nn/types.js';
import type { TrainConfig } from './config.js';
import { discriminatorLoss, generatorLoss } from './losses.js';
import { gradientPenalty, r1Penalty } from './penalties.js';
import { optimizerStep, type OptState } from './optim.js';

export interface Nets {
  G: Net;
  D: Net;
}

export type ObjectiveConfig = Pick<
  TrainConfig,
  'loss' | 'lsgan' | 'gradientPenalty' | 'r1' | 'clip' | 'optimizerD' | 'unrolled'
>;

/** What an objective reports besides its value. */
export interface Side {
  /** The network state after the forward passes. */
  state: TensorMap;
  /** Raw D outputs on the real and the fake batch. */
  dReal?: tf.Tensor;
  dFake?: tf.Tensor;
}

/**
 * The discriminator's loss plus its penalties: loss(D(real), D(fake))
 * + lambda * GP + gamma / 2 * R1. `alpha` `[batch]` holds the WGAN-GP
 * interpolation weights (null when the penalty is off). Batch-norm and
 * spectral-norm state is threaded through the real then the fake pass.
 */
export function discriminatorObjective(
  nets: Nets,
  cfg: ObjectiveConfig,
  dParams: TensorMap,
  dState: TensorMap,
  real: tf.Tensor,
  fake: tf.Tensor,
  alpha: tf.Tensor | null,
  side: Side,
): tf.Scalar {
  const ctx = { training: true };
  const r = nets.D.apply(dParams, dState, real, ctx);
  const f = nets.D.apply(dParams, r.state, fake, ctx);
  side.state = f.state;
  side.dReal = r.y;
  side.dFake = f.y;
  let loss = discriminatorLoss(cfg.loss, r.y, f.y, { lsgan: cfg.lsgan });
  // The penalties evaluate the critic without moving its state further.
  const critic = (x: tf.Tensor): tf.Tensor =>
    nets.D.apply(dParams, f.state, x, ctx).y;
  if (cfg.gradientPenalty > 0 && alpha) {
    const gp = gradientPenalty(critic, real, fake, alpha);
    loss = tf.add(loss, tf.mul(gp, cfg.gradientPenalty));
  }
  if (cfg.r1 > 0) {
    loss = tf.add(loss, tf.mul(r1Penalty(critic, real), cfg.r1 / 2));
  }
  return loss as tf.Scalar;
}

/** Clips every tensor of a map to [-c, c] (WGAN); c = 0 leaves it. */
export function clipMap(m: TensorMap, c: number): TensorMap {
  if (c <= 0) return m;
  const out: TensorMap = {};
  for (const [k, p] of Object.entries(m)) out[k] = tf.clipByValue(p, -c, c);
  return out;
}

/**
 * The discriminator parameters after one simulated update per real batch
 * in `reals`, each against `fake`, with D's own optimiser (Metz et al.
 * 2017, eq. 6-7). Built from differentiable ops: called inside a gradient
 * tape whose `fake` depends on G, the result carries G's gradient through
 * the updates (second order).
 */
export function unrollDiscriminator(
  nets: Nets,
  cfg: ObjectiveConfig,
  dParams: TensorMap,
  dState: TensorMap,
  optD: OptState,
  fake: tf.Tensor,
  reals: tf.Tensor[],
): TensorMap {
  const keys = Object.keys(dParams).sort();
  let params = dParams;
  let opt = optD;
  // Every simulated step starts from the same network state (batch-norm
  // running statistics, spectral-norm vectors): the state tensors created
  // inside tf.grads are freed when it returns, and the running statistics
  // do not enter a training-mode forward pass anyway.
  const state = dState;
  for (const real of reals) {
    const side: Side = { state };
    const f = (...ps: tf.Tensor[]): tf.Scalar => {
      const dp: TensorMap = {};
      keys.forEach((k, i) => (dp[k] = ps[i]!));
      return discriminatorObjective(nets, cfg, dp, state, real, fake, null, side);
    };
    const grads = tf.grads(f)(keys.map((k) => params[k]!));
    const gm: TensorMap = {};
    keys.forEach((k, i) => (gm[k] = grads[i]!));
    const upd = optimizerStep(cfg.optimizerD, params, gm, opt);
    params = clipMap(upd.params, cfg.clip);
    opt = upd.state;
  }
  return params;
}

/**
 * The generator's loss on latent codes `z`. With unrolling (k =
 * reals.length > 0), D is first advanced k simulated steps: inside this
 * function (second order) unless `dFixed` holds the result of a first-order
 * unroll computed outside the tape.
 */
export function generatorObjective(
  nets: Nets,
  cfg: ObjectiveConfig,
  gParams: TensorMap,
  gState: TensorMap,
  dParams: TensorMap,
  dState: TensorMap,
  optD: OptState,
  z: tf.Tensor,
  reals: tf.Tensor[],
  dFixed: TensorMap | null,
  side: Side,
): tf.Scalar {
  const g = nets.G.apply(gParams, gState, z, { training: true });
  side.state = g.state;
  const dp = dFixed ??
    (reals.length > 0
      ? unrollDiscriminator(nets, cfg, dParams, dState, optD, g.y, reals)
      : dParams);
  const d = nets.D.apply(dp, dState, g.y, { training: true });
  side.dFake = d.y;
  return generatorLoss(cfg.loss, d.y, { lsgan: cfg.lsgan });
}
