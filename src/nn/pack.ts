/**
 * PacGAN packing (Lin et al. 2018, "PacGAN: The power of two samples in
 * generative adversarial networks"): the discriminator judges m samples at
 * once, all real or all fake, concatenated along the last axis.
 */
import { tf } from '../runtime/tf.js';
import { check } from '../util/errors.js';

/**
 * Packs m consecutive samples into one: sample k of a group fills positions
 * `k * last .. (k + 1) * last - 1` of the last axis (features, or channels
 * for NHWC images, as the reference's NCHW `view(-1, C * m, H, W)`).
 *
 * @param x `[batch, ...dims, last]`
 * @returns `[batch / m, ...dims, m * last]`
 */
export function packSamples(x: tf.Tensor, m: number): tf.Tensor {
  check(
    Number.isInteger(m) && m >= 1,
    'packSamples',
    'm',
    'a positive integer',
    m,
  );
  check(x.rank >= 2, 'packSamples', 'x rank', 'at least 2', x.rank);
  const batch = x.shape[0]!;
  check(
    batch % m === 0,
    'packSamples',
    'batch',
    `a multiple of m = ${m}`,
    batch,
  );
  if (m === 1) return x;
  const rest = x.shape.slice(1);
  const last = rest[rest.length - 1]!;
  const groups = batch / m;
  // Features: consecutive rows are already adjacent in memory.
  if (x.rank === 2) return tf.reshape(x, [groups, m * last]);
  // [groups, m, ...dims, last] -> [groups, ...dims, m, last]
  const g = tf.reshape(x, [groups, m, ...rest]);
  const r = g.rank;
  const perm = [0, ...Array.from({ length: r - 3 }, (_, i) => i + 2), 1, r - 1];
  return tf.reshape(tf.transpose(g, perm), [
    groups,
    ...rest.slice(0, -1),
    m * last,
  ]);
}
