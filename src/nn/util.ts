/**
 * Small tensor helpers shared by the layers: a gradient stop and cached
 * scalar constants.
 */
import { tf } from '../runtime/tf.js';

/**
 * The identity whose gradient is zero (TensorFlow's `tf.stopGradient`).
 *
 * tf.js has no such op; a customGrad whose gradient is zeros does the same,
 * and the ops that computed `x` stay off the tape because customGrad runs
 * its forward function with recording paused.
 */
export const stopGradient: (x: tf.Tensor) => tf.Tensor = tf.customGrad(
  // The second argument (save) is unused: the gradient needs nothing.
  ((x: tf.Tensor) => ({
    value: tf.clone(x),
    gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
  })) as unknown as Parameters<typeof tf.customGrad>[0],
) as unknown as (x: tf.Tensor) => tf.Tensor;

const constants = new Map<string, tf.Scalar>();

/**
 * A float32 scalar that lives for the whole process, so that hot paths do
 * not allocate one per call (tf.js turns a bare number into a new tensor
 * every time). Kept out of every tidy scope; re-created if the backend
 * changed or someone disposed it.
 */
export function scalar(value: number): tf.Scalar {
  const key = `${tf.getBackend()}:${value}`;
  let t = constants.get(key);
  if (t === undefined || t.isDisposed) {
    t = tf.keep(tf.scalar(value, 'float32'));
    constants.set(key, t);
  }
  return t;
}
