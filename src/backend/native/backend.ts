/**
 * The `modescope-native` tf.js backend: tf.js's CPU backend (data in JS
 * typed arrays) whose hot kernels run in the C++ addon, reading and
 * writing those typed arrays in place through N-API (no copies).
 */
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type * as tf from '@tensorflow/tfjs-core';

export const NATIVE_BACKEND = 'modescope-native';

/** MathBackendCPU under another name; kernels are registered separately. */
export class NativeBackend extends MathBackendCPU {}

/**
 * The float32 values of a tensor held by the backend, or null when it is
 * not float32 data (then the caller falls back to the CPU kernel).
 */
export function f32(
  backend: MathBackendCPU,
  t: tf.TensorInfo,
): Float32Array | null {
  if (t.dtype !== 'float32') return null;
  const v = backend.data.get(t.dataId)?.values;
  return v instanceof Float32Array ? v : null;
}

/** Wraps a freshly computed Float32Array as a backend tensor. */
export function output(
  backend: MathBackendCPU,
  shape: number[],
  values: Float32Array,
): tf.TensorInfo {
  return backend.makeTensorInfo(shape, 'float32', values);
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
