/**
 * modescope as a library: the tensor runtime, data, networks, training,
 * metrics and pictures that the CLI is built from. Nothing here prints;
 * long work reports through callbacks.
 */
export { initRuntime, runtimeInfo, tf, BACKENDS } from './runtime/tf.js';
export type { BackendName, RuntimeInfo } from './runtime/tf.js';
export { Rng } from './util/rng.js';
export { UserError, UserRangeError, UserTypeError } from './util/errors.js';

export * from './io/npy.js';
export { readCsv } from './io/csv.js';
export { loadDataset, getMixture, sampleMixture, DATASET_NAMES } from './data/index.js';
export type { Dataset, Mixture } from './data/index.js';
export { loadMnist, loadFashionMnist } from './data/mnist.js';

export * as nn from './nn/index.js';
// Fused training ops for hand-written loops (one native kernel each on
// modescope-native, standard ops elsewhere): dense, denseChain,
// denseChainFlat (an MLP's parameters in one flat tensor), softplusMean,
// activation, batchNormTrain, minibatchKernelSum, adamUpdateAll and
// adamUpdateFlat.
export * as fused from './backend/fused.js';
export { discriminatorLoss, generatorLoss, type LossKind } from './gan/losses.js';
export { gradientPenalty, r1Penalty } from './gan/penalties.js';
export { optimizerStep, initOptState, type OptimizerConfig } from './gan/optim.js';
export type { TrainConfig, NetConfig } from './gan/config.js';
export { PRESETS, getPreset, presetConfig, baseConfig } from './gan/presets.js';
export { resolveRun } from './gan/resolve.js';
export { GanTrainer } from './gan/trainer.js';
export { trainRun, type RunSummary, type MetricsRow, type RunOptions } from './gan/run.js';
export { saveCheckpoint, loadCheckpoint } from './gan/checkpoint.js';

export * from './metrics/index.js';
export { extractFeatures, parseFeatureSpec } from './features/index.js';
export { loadMnistClassifier } from './features/mnist.js';
export { loadInception } from './features/inception.js';

export { renderScatter, renderGrid, renderDensity } from './viz/png.js';
export { sideBySide } from './viz/compose.js';
