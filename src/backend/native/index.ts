/**
 * Registers the `modescope-native` backend: every kernel of tf.js's CPU
 * backend under the new name, then the native ones on top (standard hot
 * kernels and modescope's fused `Ms*` kernels).
 *
 * The runtime (src/runtime/tf.ts) calls registerNativeBackend(); a non-null
 * result is the one-line reason the backend is unavailable, which the CLI
 * shows once before falling back to WASM.
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadAddon, type NativeAddon } from './addon.js';
import { checkSharing, NATIVE_BACKEND, NativeBackend } from './backend.js';
import { fusedKernels } from './fused_kernels.js';
import { standardKernels } from './kernels.js';

export { NATIVE_BACKEND } from './backend.js';

let registered = false;

/**
 * A CPU kernel that tells the backend when an output shares an input's
 * buffer, so that neither is recycled (see NativeBackend).
 */
function sharingChecked(fn: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const out = fn(args);
    checkSharing(args, out as tf.TensorInfo | tf.TensorInfo[]);
    return out;
  };
}

let reason: string | null = null;

/** Why the native backend is unavailable, or null (also before trying). */
export function nativeBackendReason(): string | null {
  return reason;
}

/** The loaded addon (for tests and benches), or null. */
export function nativeAddon(): NativeAddon | null {
  return loadAddon().addon;
}

/**
 * Registers the backend once. Returns null when `modescope-native` is
 * registered and usable, else a one-line reason.
 */
export async function registerNativeBackend(): Promise<string | null> {
  if (registered) return null;
  const { addon, reason: why } = loadAddon();
  if (!addon) {
    reason = why;
    return reason;
  }
  // MODESCOPE_NUM_THREADS caps the kernels' threads (default: all cores).
  const threads = Number(process.env.MODESCOPE_NUM_THREADS ?? '');
  if (Number.isInteger(threads) && threads > 0) addon.setNumThreads(threads);
  try {
    for (const config of tf.getKernelsForBackend('cpu')) {
      tf.registerKernel({
        ...config,
        backendName: NATIVE_BACKEND,
        kernelFunc: sharingChecked(config.kernelFunc),
      });
    }
    for (const config of [...standardKernels(addon), ...fusedKernels(addon)]) {
      if (tf.getKernel(config.kernelName, NATIVE_BACKEND)) {
        tf.unregisterKernel(config.kernelName, NATIVE_BACKEND);
      }
      tf.registerKernel(config);
    }
    // Priority below cpu's: only chosen when asked for by name.
    tf.registerBackend(NATIVE_BACKEND, () => new NativeBackend(), 0);
    registered = true;
    return null;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    reason = `the native backend failed to register: ${msg.split('\n')[0]}`;
    return reason;
  }
}
