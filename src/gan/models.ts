/**
 * Builds the generator and discriminator of a run from its configuration.
 */
import { tf } from '../runtime/tf.js';
import type { Net } from '../nn/types.js';
import { dcganDiscriminator, dcganGenerator, mlp } from '../nn/index.js';
import type { NetConfig, TrainConfig } from './config.js';
import { UserError } from '../util/errors.js';

/**
 * `sampleShape` is one data sample's shape: `[features]` for vectors,
 * `[28, 28, channels]` for images.
 */
export function buildNets(
  cfg: TrainConfig,
  sampleShape: readonly number[],
): { G: Net; D: Net } {
  const image = sampleShape.length === 3;
  const g = cfg.generator;
  const d = cfg.discriminator;
  if (image) {
    const [h, w, c] = sampleShape as [number, number, number];
    if (h !== 28 || w !== 28 || (c !== 1 && c !== 3)) {
      throw new UserError(
        `modescope train: image data must be 28 x 28 with 1 or 3 channels, ` +
          `but got ${h} x ${w} x ${c}`,
      );
    }
    return {
      G: g.kind === 'dcgan'
        ? dcganGenerator({
            zDim: cfg.zDim,
            channels: c,
            width: g.width,
            batchNorm: g.batchNorm,
            init: 'normal02',
          })
        : mlpNet(g, cfg.zDim, h * w * c, 'tanh', 1, [h, w, c]),
      D: d.kind === 'dcgan'
        ? dcganDiscriminator({
            channels: c,
            width: d.width,
            batchNorm: d.batchNorm,
            spectralNorm: d.spectralNorm,
            minibatch: d.minibatch ?? undefined,
            pack: cfg.pack,
            init: 'normal02',
          })
        : mlpNet(d, h * w * c, 1, 'none', cfg.pack),
    };
  }
  if (sampleShape.length !== 1) {
    throw new UserError(
      `modescope train: samples must be vectors [N, D] or images ` +
        `[N, 28, 28, C], but got sample shape [${sampleShape.join(', ')}]`,
    );
  }
  if (g.kind === 'dcgan' || d.kind === 'dcgan') {
    throw new UserError(
      'modescope train: dcgan networks need 28 x 28 images, but the data ' +
        `are vectors of ${sampleShape[0]}`,
      'use --generator.kind mlp --discriminator.kind mlp, or image data',
    );
  }
  const dim = sampleShape[0]!;
  return {
    G: mlpNet(g, cfg.zDim, dim, 'none'),
    D: mlpNet(d, dim, 1, 'none', cfg.pack),
  };
}

function mlpNet(
  n: NetConfig,
  inputDim: number,
  outputDim: number,
  outputActivation: 'none' | 'tanh',
  pack = 1,
  outShape?: number[],
): Net {
  if (n.kind !== 'mlp') throw new Error('mlpNet needs an mlp config');
  const net = mlp({
    inputDim,
    hidden: n.hidden,
    outputDim,
    activation: n.activation,
    batchNorm: n.batchNorm,
    spectralNorm: n.spectralNorm,
    minibatch: n.minibatch ?? undefined,
    pack,
    outputActivation,
    init: 'pytorch',
  });
  return outShape ? reshapeOutput(net, outShape) : net;
}

/** Wraps a flat-output generator so that it emits images. */
function reshapeOutput(net: Net, shape: number[]): Net {
  return {
    inputShape: net.inputShape,
    outputShape: shape,
    init: (rng) => net.init(rng),
    apply: (params, state, x, ctx) => {
      const r = net.apply(params, state, x, ctx);
      return { y: tf.reshape(r.y, [-1, ...shape]), state: r.state };
    },
  };
}
