/**
 * Multi-layer perceptron generators and discriminators for toy 2-D data
 * (ring, grid) and flattened images.
 *
 * Layout: [pack] -> (fc_i [-> bn_i] -> activation) per hidden width ->
 * [minibatch discrimination] -> out -> output activation. A dense layer
 * followed by batch norm has no bias: the norm's beta would cancel it.
 */
import { check } from '../util/errors.js';
import { INIT_KINDS, type InitKind } from './init.js';
import {
  act,
  affine,
  minibatch,
  norm,
  pack,
  sequential,
  type Layer,
} from './sequential.js';
import type { Net } from './types.js';

export interface MlpOptions {
  /** Features of one sample (before packing). */
  inputDim: number;
  /** Widths of the hidden layers, e.g. [128, 128]. */
  hidden: number[];
  outputDim: number;
  activation: 'relu' | 'leakyRelu' | 'tanh';
  /** Negative slope of leakyRelu. Default 0.2. */
  leak?: number;
  /** Batch norm after each hidden dense layer. Default false. */
  batchNorm?: boolean;
  /** Spectral norm on every dense weight, the output's too. Default false. */
  spectralNorm?: boolean;
  /** Minibatch discrimination before the output layer. Default none. */
  minibatch?: { kernels: number; kernelDim: number };
  /**
   * PacGAN: m consecutive samples are concatenated into one input, so a
   * batch of n gives n / m outputs. Default 1 (no packing).
   */
  pack?: number;
  /** Default 'none' (raw logits, what the losses expect). */
  outputActivation?: 'none' | 'tanh' | 'sigmoid';
  /** Default 'pytorch'. */
  init?: InitKind;
}

function positiveInt(v: unknown, what: string): void {
  check(
    typeof v === 'number' && Number.isInteger(v) && v >= 1,
    'mlp',
    what,
    'a positive integer',
    v,
  );
}

/**
 * Builds an MLP: input `[batch, inputDim]`, output
 * `[batch / pack, outputDim]`.
 */
export function mlp(opts: MlpOptions): Net {
  const {
    inputDim,
    hidden,
    outputDim,
    activation,
    leak = 0.2,
    batchNorm = false,
    spectralNorm = false,
    pack: m = 1,
    outputActivation = 'none',
    init = 'pytorch',
  } = opts;
  positiveInt(inputDim, 'inputDim');
  positiveInt(outputDim, 'outputDim');
  positiveInt(m, 'pack');
  check(Array.isArray(hidden), 'mlp', 'hidden', 'an array of widths', hidden);
  hidden.forEach((h, i) => positiveInt(h, `hidden[${i}]`));
  check(
    ['relu', 'leakyRelu', 'tanh'].includes(activation),
    'mlp',
    'activation',
    'one of "relu", "leakyRelu", "tanh"',
    activation,
  );
  check(
    ['none', 'tanh', 'sigmoid'].includes(outputActivation),
    'mlp',
    'outputActivation',
    'one of "none", "tanh", "sigmoid"',
    outputActivation,
  );
  check(INIT_KINDS.includes(init), 'mlp', 'init', '"pytorch" or "normal02"',
    init);
  check(leak >= 0, 'mlp', 'leak', 'non-negative', leak);

  const layers: Layer[] = [];
  if (m > 1) layers.push(pack(m));
  let width = inputDim * m;
  hidden.forEach((h, i) => {
    layers.push(
      affine(`fc${i}`, {
        op: 'dense',
        wShape: [width, h],
        fanIn: width,
        bias: !batchNorm,
        spectralNorm,
        // Without batch norm in between, the activation is fused into the
        // dense layer (one kernel on the native backend).
        ...(batchNorm ? {} : { activation, leak }),
      }),
    );
    if (batchNorm) {
      layers.push(norm(`bn${i}`, h));
      layers.push(act(activation, leak));
    }
    width = h;
  });
  if (opts.minibatch !== undefined) {
    const { kernels, kernelDim } = opts.minibatch;
    positiveInt(kernels, 'minibatch.kernels');
    positiveInt(kernelDim, 'minibatch.kernelDim');
    layers.push(minibatch('mbd', width, kernels, kernelDim));
    width += kernels;
  }
  layers.push(
    affine('out', {
      op: 'dense',
      wShape: [width, outputDim],
      fanIn: width,
      bias: true,
      spectralNorm,
    }),
  );
  if (outputActivation !== 'none') layers.push(act(outputActivation));
  return sequential('mlp', layers, [inputDim], [outputDim], init);
}

