/**
 * Kernels that tf.js's WASM backend lacks but modescope's models need,
 * built from the WASM backend's own kernels, so that the fallback backend
 * trains every model (the DCGAN discriminator's gradient needs
 * Conv2DBackpropFilter).
 *
 * The filter gradient of a convolution is itself a convolution:
 *   dW[kh, kw, ci, co] = sum_{n,i,j} x[n, i*s + kh - top, j*s + kw - left, ci]
 *                                   * dy[n, i, j, co],
 * that is, a stride-1 convolution of x with batch and channels swapped
 * ([Ci, H, W, N]) by dy as the filter ([Ho, Wo, N, Co]) dilated by the
 * stride s. The result [Ci, KH, KW, Co] is cropped and transposed to
 * [KH, KW, Ci, Co].
 */
import { tf } from './tf.js';

type KernelFunc = (args: {
  inputs: Record<string, tf.TensorInfo>;
  backend: tf.KernelBackend;
  attrs?: Record<string, unknown>;
}) => tf.TensorInfo;

function kernel(name: string): KernelFunc {
  const k = tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`wasm backend lacks ${name}`);
  return k.kernelFunc as unknown as KernelFunc;
}

export function registerWasmExtras(): void {
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) return;
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ((args: Parameters<KernelFunc>[0]) => {
      const { backend, inputs, attrs } = args;
      const x = inputs.x!;
      const dy = inputs.dy!;
      const a = attrs as {
        strides: [number, number] | number;
        pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
        dataFormat: 'NHWC' | 'NCHW';
        dimRoundingMode?: 'floor' | 'round' | 'ceil';
        filterShape: [number, number, number, number];
      };
      if (a.dataFormat === 'NCHW') {
        throw new Error('Conv2DBackpropFilter (wasm): NCHW is not supported');
      }
      const info = tf.backend_util.computeConv2DInfo(
        x.shape as [number, number, number, number],
        a.filterShape,
        a.strides,
        1,
        a.pad,
        a.dimRoundingMode,
      );
      const [kh, kw] = [info.filterHeight, info.filterWidth];
      const [sh, sw] = [info.strideHeight, info.strideWidth];
      const { top, left } = info.padInfo;
      const [h, w] = [info.inHeight, info.inWidth];
      const [ho, wo] = [info.outHeight, info.outWidth];
      const bottom = Math.max(0, kh - h - top + (ho - 1) * sh);
      const right = Math.max(0, kw - w - left + (wo - 1) * sw);
      const transpose = kernel('Transpose');
      const xs = transpose({ inputs: { x }, backend, attrs: { perm: [3, 1, 2, 0] } });
      const f = transpose({ inputs: { x: dy }, backend, attrs: { perm: [1, 2, 0, 3] } });
      const conv = kernel('Conv2D')({
        inputs: { x: xs, filter: f },
        backend,
        attrs: {
          strides: [1, 1],
          pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
          dataFormat: 'NHWC',
          dilations: [sh, sw],
        },
      });
      const ci = x.shape[3]!;
      const co = dy.shape[3]!;
      const cropped = kernel('Slice')({
        inputs: { x: conv },
        backend,
        attrs: { begin: [0, 0, 0, 0], size: [ci, kh, kw, co] },
      });
      const out = transpose({
        inputs: { x: cropped },
        backend,
        attrs: { perm: [1, 2, 0, 3] },
      });
      for (const t of [xs, f, conv, cropped]) backend.disposeData(t.dataId);
      return out;
    }) as unknown as tf.KernelFunc,
  });
}
