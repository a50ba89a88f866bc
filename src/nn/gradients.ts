/**
 * Gradient definitions that make second-order gradients exact through the
 * networks' ops (WGAN-GP, R1 and unrolled GANs differentiate gradients).
 *
 * tfjs-core's gradients of Tanh, Sigmoid and Exp read the op's saved
 * *output*. tf.js records the copy of a saved output on the tape before the
 * op that produced it, so when a gradient is itself differentiated the
 * path through that output is not found and silently dropped: the
 * gradient of an input-gradient penalty through a tanh layer came out
 * without its tanh'' term, or null for the bias feeding the tanh. These
 * replacements save the op's input and recompute the output, one extra
 * elementwise op per backward pass.
 *
 * The replacements must be registered after tfjs-core's own gradients,
 * which initRuntime loads, so `ensureSecondOrderGradients` is called by the
 * layers on use and does its work once. The gradient of Conv2DBackpropFilter
 * is missing from tfjs-core altogether and is registered at import.
 */
import { tf } from '../runtime/tf.js';

let patched = false;

function inputGrad(
  kernelName: string,
  f: (x: tf.Tensor, dy: tf.Tensor) => tf.Tensor,
): void {
  tf.registerGradient({
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved as [tf.Tensor];
      return { x: () => f(x, dy as tf.Tensor) };
    },
  });
}

/** Replaces the output-saving gradients (once tfjs-core's are loaded). */
export function ensureSecondOrderGradients(): void {
  if (patched) return;
  // Before initRuntime no tf.js gradient exists yet; registering now would
  // be overwritten when tfjs-core's are loaded, so wait for a later call.
  if (tf.getGradient('Tanh') === undefined) return;
  inputGrad('Tanh', (x, dy) => {
    const y = tf.tanh(x);
    return tf.mul(dy, tf.sub(1, tf.square(y)));
  });
  inputGrad('Sigmoid', (x, dy) => {
    const y = tf.sigmoid(x);
    return tf.mul(dy, tf.mul(y, tf.sub(1, y)));
  });
  inputGrad('Exp', (x, dy) => tf.mul(dy, tf.exp(x)));
  patched = true;
}

/**
 * Conv2DBackpropFilter's gradient, needed whenever a conv weight's gradient
 * is itself differentiated (an unrolled GAN differentiates the
 * discriminator's simulated updates). The filter gradient F(x, dy) is
 * bilinear and satisfies <ddF, F(x, dy)> = <conv2d(x, ddF), dy>, so its
 * gradient with respect to dy is conv2d(x, ddF) and with respect to x is
 * the transposed convolution of dy with ddF.
 */
function registerConvFilterGradient(): void {
  if (tf.getGradient('Conv2DBackpropFilter') !== undefined) return;
  tf.registerGradient({
    kernelName: 'Conv2DBackpropFilter',
    inputsToSave: ['x', 'dy'],
    gradFunc: (ddf, saved, attrs) => {
      const [x, dy] = saved as [tf.Tensor4D, tf.Tensor4D];
      const a = attrs as unknown as {
        strides: [number, number] | number;
        pad: 'valid';
      };
      const f = ddf as tf.Tensor4D;
      return {
        x: () => tf.conv2dTranspose(dy, f, x.shape, a.strides, a.pad),
        dy: () => tf.conv2d(x, f, a.strides, a.pad),
      };
    },
  });
}
registerConvFilterGradient();
