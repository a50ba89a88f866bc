/** The ready-made networks, in one import for model builders. */
export { mlp, type MlpOptions } from './mlp.js';
export {
  dcganDiscriminator,
  dcganGenerator,
  type DcganDiscriminatorOptions,
  type DcganGeneratorOptions,
} from './dcgan.js';
