/** The functional networks and layers; see types.ts for the Net contract. */
export type { ApplyContext, ApplyResult, Net, TensorMap } from './types.js';
export {
  activate,
  conv2d,
  conv2dTranspose,
  dense,
  type Activation,
  type ConvOptions,
  type ConvTransposeOptions,
} from './layers.js';
export { batchNorm, type BatchNormOptions } from './batchnorm.js';
export { spectralNormalize, type SpectralNormResult } from './spectral.js';
export {
  minibatchDiscrimination,
  type MinibatchOptions,
} from './minibatch.js';
export { packSamples } from './pack.js';
export { INIT_KINDS, type InitKind } from './init.js';
export { mlp, type MlpOptions } from './mlp.js';
export {
  dcganDiscriminator,
  dcganGenerator,
  type DcganDiscriminatorOptions,
  type DcganGeneratorOptions,
} from './dcgan.js';
export { isWeightParam, splitParams } from './params.js';
export { stopGradient } from './util.js';
