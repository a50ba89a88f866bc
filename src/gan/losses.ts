/**
 * GAN losses on raw discriminator outputs (logits or critic values), each
 * a scalar mean over the batch. Minimised by the player named.
 *
 * With s = sigmoid and softplus(x) = log(1 + e^x), so that
 * -log s(x) = softplus(-x) and -log(1 - s(x)) = softplus(x), computed
 * without forming s(x), which saturates to 0 or 1 in float32:
 *
 * - 'minimax' (Goodfellow et al. 2014, the saturating game):
 *     D: E[softplus(-r)] + E[softplus(f)];
 *     G: E[log(1 - s(f))] = -E[softplus(f)]
 * - 'ns' (non-saturating, same paper): D as minimax; G: E[softplus(-f)]
 * - 'lsgan' (Mao et al. 2017), default (a, b, c) = (0, 1, 1):
 *     D: 1/2 E[(r - b)^2] + 1/2 E[(f - a)^2]; G: 1/2 E[(f - c)^2]
 * - 'wgan' (Arjovsky et al. 2017): D: E[f] - E[r]; G: -E[f]
 * - 'hinge' (Lim and Ye 2017; Miyato et al. 2018):
 *     D: E[relu(1 - r)] + E[relu(1 + f)]; G: -E[f]
 *
 * r = D(real) `[nReal, 1]` or `[nReal]`, f = D(fake) likewise (nReal and
 * nFake may differ).
 */
import { softplusMean } from '../backend/fused.js';
import { tf } from '../runtime/tf.js';
import { check } from '../util/errors.js';
import { scalar } from '../nn/util.js';

export type LossKind = 'minimax' | 'ns' | 'lsgan' | 'wgan' | 'hinge';

export const LOSS_KINDS: readonly LossKind[] = [
  'minimax',
  'ns',
  'lsgan',
  'wgan',
  'hinge',
];

export interface LossOptions {
  /** LSGAN targets: a for fake, b for real (D), c for fake (G). */
  lsgan?: { a: number; b: number; c: number };
}

const LSGAN_DEFAULT = { a: 0, b: 1, c: 1 };

function checkKind(kind: string, where: string): void {
  check(
    (LOSS_KINDS as readonly string[]).includes(kind),
    where,
    'kind',
    `one of ${LOSS_KINDS.map((k) => `"${k}"`).join(', ')}`,
    kind,
  );
}

/** 1/2 E[(x - target)^2]. */
function halfMse(x: tf.Tensor, target: number): tf.Tensor {
  return tf.mul(tf.mean(tf.square(tf.sub(x, scalar(target)))), scalar(0.5));
}

/** The discriminator's (critic's) loss, a scalar. */
export function discriminatorLoss(
  kind: LossKind,
  dReal: tf.Tensor,
  dFake: tf.Tensor,
  opts: LossOptions = {},
): tf.Scalar {
  checkKind(kind, 'discriminatorLoss');
  let loss: tf.Tensor;
  switch (kind) {
    case 'minimax':
    case 'ns':
      loss = tf.add(softplusMean(dReal, -1), softplusMean(dFake));
      break;
    case 'lsgan': {
      const { a, b } = opts.lsgan ?? LSGAN_DEFAULT;
      loss = tf.add(halfMse(dReal, b), halfMse(dFake, a));
      break;
    }
    case 'wgan':
      loss = tf.sub(tf.mean(dFake), tf.mean(dReal));
      break;
    case 'hinge': {
      const one = scalar(1);
      loss = tf.add(
        tf.mean(tf.relu(tf.sub(one, dReal))),
        tf.mean(tf.relu(tf.add(one, dFake))),
      );
      break;
    }
  }
  return loss as tf.Scalar;
}

/** The generator's loss, a scalar. */
export function generatorLoss(
  kind: LossKind,
  dFake: tf.Tensor,
  opts: LossOptions = {},
): tf.Scalar {
  checkKind(kind, 'generatorLoss');
  let loss: tf.Tensor;
  switch (kind) {
    case 'minimax':
      loss = tf.neg(softplusMean(dFake));
      break;
    case 'ns':
      loss = softplusMean(dFake, -1);
      break;
    case 'lsgan': {
      const { c } = opts.lsgan ?? LSGAN_DEFAULT;
      loss = halfMse(dFake, c);
      break;
    }
    case 'wgan':
    case 'hinge':
      loss = tf.neg(tf.mean(dFake));
      break;
  }
  return loss as tf.Scalar;
}
