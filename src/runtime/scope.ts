/**
 * A tf.tidy that may return any value: tensors created inside are freed
 * when it ends, except those marked with tf.keep (the caller keeps what it
 * returns by marking it). tf.tidy itself only accepts tensor containers.
 */
import { tf } from './tf.js';

export function scoped<T>(fn: () => T): T {
  const engine = tf.engine();
  engine.startScope();
  try {
    return fn();
  } finally {
    engine.endScope();
  }
}
