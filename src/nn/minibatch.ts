/**
 * Minibatch discrimination (Salimans et al. 2016, "Improved Techniques for
 * Training GANs", section 3.2).
 *
 * For features f_i in R^A, M_i = f_i T is read as B rows of C values;
 *   c_b(i, j) = exp(-||M_i,b - M_j,b||_1)       (L1 over the C values)
 *   o_b(i)    = sum over j != i of c_b(i, j) + bias_b
 * and the layer outputs concat(f_i, o(i)). A collapsed batch (all samples
 * alike) makes every c_b(i, j) near 1, which the discriminator can see.
 * The bias is learned and initialised at -1 (REFERENCES.md, section 3).
 *
 * The pairwise sum is minibatchKernelSum (src/backend/fused.ts): one
 * native kernel each way on modescope-native; elsewhere a composite that
 * builds the `[batch, batch, B, C]` difference tensor.
 */
import { minibatchKernelSum } from '../backend/fused.js';
import { tf } from '../runtime/tf.js';
import { check } from '../util/errors.js';
import { ensureSecondOrderGradients } from './gradients.js';
import { checkRank } from './layers.js';
import { scalar } from './util.js';

export interface MinibatchOptions {
  /** Number of kernels B. */
  B: number;
  /** Dimension C of each kernel. */
  C: number;
}

/**
 * @param f `[batch, A]` features
 * @param t `[A, B * C]` the learned tensor T
 * @param bias `[B]`
 * @returns `[batch, A + B]`
 */
export function minibatchDiscrimination(
  f: tf.Tensor,
  t: tf.Tensor,
  bias: tf.Tensor,
  opts: MinibatchOptions,
): tf.Tensor2D {
  ensureSecondOrderGradients();
  const { B, C } = opts;
  const where = 'minibatchDiscrimination';
  checkRank(f, 2, where, 'f', '[batch, A]');
  const [batch, a] = f.shape as [number, number];
  check(
    t.rank === 2 && t.shape[0] === a && t.shape[1] === B * C,
    where,
    'T.shape',
    `[${a}, ${B * C}] ([A, B * C])`,
    t.shape,
  );
  check(
    bias.rank === 1 && bias.shape[0] === B,
    where,
    'bias.shape',
    `[${B}]`,
    bias.shape,
  );
  const m = tf.reshape(tf.matMul(f as tf.Tensor2D, t as tf.Tensor2D), [
    batch,
    B,
    C,
  ]);
  // The j = i term is exactly exp(0) = 1 (the difference is exactly 0), so
  // it is removed by subtracting 1 instead of masking the diagonal.
  const o = minibatchKernelSum(m);
  const ob = tf.add(o, tf.sub(bias, scalar(1)));
  return tf.concat([f as tf.Tensor2D, ob as tf.Tensor2D], 1);
}
