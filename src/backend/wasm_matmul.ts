/**
 * Fast transposed matrix multiplies on tf.js's WASM backend, the fallback
 * when the native addon is unavailable.
 *
 * The WASM backend's BatchMatMul (XNNPACK) is fast for a [M,K]x[K,N]
 * product but about ten times slower when an operand is transposed, which
 * every backward pass of a dense layer does. Materialising the transpose
 * first (one memory-bound pass, O(MK) against O(MKN)) and multiplying
 * untransposed is faster for every shape a GAN uses, so the wrapper below
 * does that for BatchMatMul and _FusedMatMul.
 */
import * as tf from '@tensorflow/tfjs-core';

let installed = false;

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** Swaps the last two axes of `x` with the WASM Transpose kernel. */
function transposeLast(args: KernelArgs, x: tf.TensorInfo): tf.TensorInfo {
  const perm = x.shape.map((_, i) => i);
  const r = perm.length;
  perm[r - 1] = r - 2;
  perm[r - 2] = r - 1;
  return tf.getKernel('Transpose', 'wasm').kernelFunc({
    inputs: { x },
    backend: args.backend,
    attrs: { perm },
  }) as tf.TensorInfo;
}

function wrap(name: string): void {
  const orig = tf.getKernel(name, 'wasm');
  if (!orig) return;
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({
    ...orig,
    kernelFunc: (args) => {
      const attrs = (args.attrs ?? {}) as Record<string, unknown>;
      const ta = Boolean(attrs.transposeA);
      const tb = Boolean(attrs.transposeB);
      if (!ta && !tb) return orig.kernelFunc(args);
      const { a, b } = args.inputs as Record<string, tf.TensorInfo>;
      const temps: tf.TensorInfo[] = [];
      const a2 = ta ? transposeLast(args, a!) : a!;
      const b2 = tb ? transposeLast(args, b!) : b!;
      if (ta) temps.push(a2);
      if (tb) temps.push(b2);
      try {
        return orig.kernelFunc({
          ...args,
          inputs: { ...args.inputs, a: a2, b: b2 },
          attrs: { ...attrs, transposeA: false, transposeB: false },
        });
      } finally {
        const backend = args.backend as tf.KernelBackend;
        for (const t of temps) backend.disposeData(t.dataId);
      }
    },
  });
}

/**
 * Installs the wrappers (once). Call after '@tensorflow/tfjs-backend-wasm'
 * is imported (its import registers the kernels being wrapped).
 */
export function installFastWasmMatMul(): void {
  if (installed) return;
  installed = true;
  wrap('BatchMatMul');
  wrap('_FusedMatMul');
}
