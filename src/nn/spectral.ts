/**
 * Spectral normalisation (Miyato et al. 2018, "Spectral Normalization for
 * Generative Adversarial Networks"), one power iteration per training call,
 * as torch.nn.utils.spectral_norm with n_power_iterations = 1.
 *
 * With W the weight as an `[out, rest]` matrix (a conv kernel `[kh, kw, in,
 * out]` becomes `[out, kh * kw * in]`; PyTorch's `[out, in * kh * kw]`
 * differs by a column permutation, which changes neither sigma nor u):
 *   v = normalise(u W),  u' = normalise(v W^T),  sigma = u' W v^T,
 * and the layer uses W / sigma. u' and v carry no gradient, so
 * d sigma / dW = u'^T v, as in PyTorch, where they are computed under
 * no_grad. Since u' = W v^T / ||W v^T||, sigma equals ||W v^T||, which is
 * how it is computed here.
 *
 * Evaluation mode computes the same v and sigma but returns u unchanged.
 * PyTorch's evaluation instead reuses the v stored by the last training
 * call (sigma = ||W v_stored^T||); only u is persisted here, so evaluation
 * takes one more half step of the iteration. The two agree once the
 * iteration has converged, which a few hundred training steps achieve.
 */
import { tf } from '../runtime/tf.js';
import { check } from '../util/errors.js';
import { stopGradient } from './util.js';

export interface SpectralNormResult {
  /** The normalised weight, same shape as the input weight. */
  w: tf.Tensor;
  /** `[out]` the new power-iteration vector (the old one in evaluation). */
  u: tf.Tensor;
  /** `[]` the estimated largest singular value. */
  sigma: tf.Tensor;
}

// Float32 guard for normalising a zero vector (PyTorch uses 1e-12 too).
const EPS = 1e-12;

/**
 * v^T = normalise(m u^T) for m `[rest, out]` and u `[out]`: `[rest, 1]`.
 * A customGrad so that these ops stay off the gradient tape altogether
 * (a stop after them would still backpropagate zeros through them).
 */
const powerStep = tf.customGrad(((m: tf.Tensor2D, u: tf.Tensor) => {
  const x = tf.matMul(m, tf.reshape(u, [-1, 1]) as tf.Tensor2D);
  return {
    value: tf.mul(x, tf.rsqrt(tf.add(tf.sum(tf.square(x)), EPS * EPS))),
    gradFunc: () => [tf.zerosLike(m), tf.zerosLike(u)],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (
  m: tf.Tensor2D,
  u: tf.Tensor,
) => tf.Tensor2D;

/**
 * @param w a weight whose last axis is the output units: dense `[in, out]`
 *   or conv `[kh, kw, in, out]`, float32
 * @param u `[out]` float32, the persistent power-iteration vector (drawn
 *   from N(0, I) and normalised at init)
 */
export function spectralNormalize(
  w: tf.Tensor,
  u: tf.Tensor,
  opts: { training: boolean },
): SpectralNormResult {
  const out = w.shape[w.rank - 1]!;
  check(
    u.rank === 1 && u.shape[0] === out,
    'spectralNormalize',
    'u.shape',
    `[${out}] (the last axis of w)`,
    u.shape,
  );
  // m is W^T: `[rest, out]`, a free reshape of the stored layout.
  const m = tf.reshape(w, [-1, out]) as tf.Tensor2D;
  // v^T = normalise(W^T u^T) = normalise(m u^T): `[rest, 1]`, no gradient.
  const vt = powerStep(m, u);
  // (W v^T)^T = v m: `[1, out]`; its norm is sigma.
  const wv = tf.matMul(vt, m, true, false);
  // One rsqrt serves W / sigma and u' (multiplications are cheaper to
  // run and to differentiate than divisions); sigma itself is only
  // reported.
  const sumSq = tf.sum(tf.square(wv));
  const inv = tf.rsqrt(sumSq);
  const sigma = tf.mul(sumSq, inv);
  const wn = tf.mul(w, inv);
  if (!opts.training) return { w: wn, u, sigma };
  const uNew = stopGradient(tf.reshape(tf.mul(wv, inv), [out]));
  return { w: wn, u: uNew, sigma };
}

/** A fresh power-iteration vector: `[out]` drawn from N(0, I), normalised. */
export function initSpectralVector(
  out: number,
  normal: (n: number) => Float32Array,
): tf.Tensor1D {
  const a = normal(out);
  let s = 0;
  for (const v of a) s += v * v;
  const inv = 1 / Math.max(Math.sqrt(s), EPS);
  for (let i = 0; i < a.length; i++) a[i]! *= inv;
  return tf.tensor1d(a);
}
