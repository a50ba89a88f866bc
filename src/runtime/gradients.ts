/**
 * Gradients that tfjs-core leaves unregistered but modescope's models need.
 *
 * Second-order gradients (WGAN-GP, R1, unrolled GANs) differentiate the
 * gradient functions themselves; those of relu, leakyRelu, maximum, clip and
 * friends use comparison ops (Greater, ...) that have no gradient in tf.js.
 * Comparisons and roundings are piecewise constant, so their gradient is zero
 * almost everywhere, which is also what PyTorch uses.
 */
import * as tf from '@tensorflow/tfjs-core';

const BINARY = [
  'Greater',
  'GreaterEqual',
  'Less',
  'LessEqual',
  'Equal',
  'NotEqual',
  'LogicalAnd',
  'LogicalOr',
];
const UNARY = [
  'LogicalNot',
  'Sign',
  'Floor',
  'Ceil',
  'Round',
  'ZerosLike',
  'OnesLike',
  'IsNan',
  'IsFinite',
  'ArgMax',
  'ArgMin',
];

function zeroGrad(kernelName: string, names: string[]): void {
  if (tf.getGradient(kernelName) !== undefined) return;
  tf.registerGradient({
    kernelName,
    inputsToSave: names,
    gradFunc: (_dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const out: Record<string, () => tf.Tensor> = {};
      names.forEach((n, i) => {
        out[n] = () => tf.zeros(saved[i]!.shape);
      });
      return out;
    },
  });
}

export function registerExtraGradients(): void {
  for (const k of BINARY) zeroGrad(k, ['a', 'b']);
  for (const k of UNARY) zeroGrad(k, ['x']);
}
