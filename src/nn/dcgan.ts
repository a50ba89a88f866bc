/**
 * DCGAN-style networks for 28x28 images (Radford et al. 2016, sized for
 * MNIST as in the common PyTorch ports), NHWC.
 *
 * Generator:  z `[batch, zDim]` -> fc to 7x7x(2 width) -> bn -> relu
 *   -> convT 4x4 s2 p1 to 14x14xwidth -> bn -> relu
 *   -> convT 4x4 s2 p1 to 28x28xchannels -> tanh.
 * Discriminator: x `[batch, 28, 28, channels]` -> [pack]
 *   -> conv 4x4 s2 p1 to 14x14xwidth -> leakyRelu(0.2)
 *   -> conv 4x4 s2 p1 to 7x7x(2 width) [-> bn] -> leakyRelu(0.2)
 *   -> flatten -> [minibatch discrimination] -> fc to 1 (a logit).
 *
 * The generator's batch norms are per channel (BatchNorm2d after the
 * reshape), and a layer followed by batch norm has no bias. The flatten is
 * in NHWC order, so a PyTorch (NCHW) fc weight needs its rows permuted.
 */
import { check } from '../util/errors.js';
import { INIT_KINDS, type InitKind } from './init.js';
import {
  act,
  affine,
  minibatch,
  norm,
  pack,
  reshape,
  sequential,
  type Layer,
} from './sequential.js';
import type { Net } from './types.js';

export interface DcganGeneratorOptions {
  zDim: number;
  channels: 1 | 3;
  /** Channels of the 14x14 layer; the 7x7 one has twice as many. Default 64. */
  width?: number;
  /** Default true. */
  batchNorm?: boolean;
  /** Default 'normal02' (the DCGAN paper's). */
  init?: InitKind;
}

export interface DcganDiscriminatorOptions {
  channels: 1 | 3;
  /** Channels of the 14x14 layer; the 7x7 one has twice as many. Default 64. */
  width?: number;
  /** Batch norm after the second conv. Default true. */
  batchNorm?: boolean;
  /** Spectral norm on every conv and dense weight. Default false. */
  spectralNorm?: boolean;
  /** Minibatch discrimination before the output layer. Default none. */
  minibatch?: { kernels: number; kernelDim: number };
  /** PacGAN: m samples concatenated along channels. Default 1. */
  pack?: number;
  /** Default 'normal02'. */
  init?: InitKind;
}

function checkCommon(
  where: string,
  channels: number,
  width: number,
  init: string,
): void {
  check(channels === 1 || channels === 3, where, 'channels', '1 or 3',
    channels);
  check(Number.isInteger(width) && width >= 1, where, 'width',
    'a positive integer', width);
  check((INIT_KINDS as readonly string[]).includes(init), where, 'init',
    '"pytorch" or "normal02"', init);
}

/** Output `[batch, 28, 28, channels]` in [-1, 1]. */
export function dcganGenerator(opts: DcganGeneratorOptions): Net {
  const {
    zDim,
    channels,
    width = 64,
    batchNorm = true,
    init = 'normal02',
  } = opts;
  const where = 'dcganGenerator';
  checkCommon(where, channels, width, init);
  check(Number.isInteger(zDim) && zDim >= 1, where, 'zDim',
    'a positive integer', zDim);
  const w2 = 2 * width;
  const layers: Layer[] = [
    affine('fc', {
      op: 'dense',
      wShape: [zDim, 7 * 7 * w2],
      fanIn: zDim,
      bias: !batchNorm,
      spectralNorm: false,
    }),
    reshape([7, 7, w2]),
  ];
  if (batchNorm) layers.push(norm('bn0', w2));
  layers.push(
    act('relu'),
    // PyTorch's fan-in for a transposed conv is out channels x kernel area.
    affine('deconv1', {
      op: 'convT',
      wShape: [4, 4, width, w2],
      fanIn: width * 16,
      bias: !batchNorm,
      spectralNorm: false,
      stride: 2,
      pad: 1,
      outShape: [14, 14],
    }),
  );
  if (batchNorm) layers.push(norm('bn1', width));
  layers.push(
    act('relu'),
    affine('deconv2', {
      op: 'convT',
      wShape: [4, 4, channels, width],
      fanIn: channels * 16,
      bias: true,
      spectralNorm: false,
      stride: 2,
      pad: 1,
      outShape: [28, 28],
    }),
    act('tanh'),
  );
  return sequential(where, layers, [zDim], [28, 28, channels], init);
}

/** Input `[batch, 28, 28, channels]`; output `[batch / pack, 1]` logits. */
export function dcganDiscriminator(opts: DcganDiscriminatorOptions): Net {
  const {
    channels,
    width = 64,
    batchNorm = true,
    spectralNorm = false,
    pack: m = 1,
    init = 'normal02',
  } = opts;
  const where = 'dcganDiscriminator';
  checkCommon(where, channels, width, init);
  check(Number.isInteger(m) && m >= 1, where, 'pack', 'a positive integer',
    m);
  const w2 = 2 * width;
  const cin = channels * m;
  const layers: Layer[] = [];
  if (m > 1) layers.push(pack(m));
  layers.push(
    affine('conv0', {
      op: 'conv',
      wShape: [4, 4, cin, width],
      fanIn: cin * 16,
      bias: true,
      spectralNorm,
      stride: 2,
      pad: 1,
    }),
    act('leakyRelu', 0.2),
    affine('conv1', {
      op: 'conv',
      wShape: [4, 4, width, w2],
      fanIn: width * 16,
      bias: !batchNorm,
      spectralNorm,
      stride: 2,
      pad: 1,
    }),
  );
  if (batchNorm) layers.push(norm('bn1', w2));
  layers.push(act('leakyRelu', 0.2), reshape([7 * 7 * w2]));
  let features = 7 * 7 * w2;
  if (opts.minibatch !== undefined) {
    const { kernels, kernelDim } = opts.minibatch;
    for (const [k, v] of Object.entries({ kernels, kernelDim })) {
      check(Number.isInteger(v) && v >= 1, where, `minibatch.${k}`,
        'a positive integer', v);
    }
    layers.push(minibatch('mbd', features, kernels, kernelDim));
    features += kernels;
  }
  layers.push(
    affine('out', {
      op: 'dense',
      wShape: [features, 1],
      fanIn: features,
      bias: true,
      spectralNorm,
    }),
  );
  return sequential(where, layers, [28, 28, channels], [1], init);
}
