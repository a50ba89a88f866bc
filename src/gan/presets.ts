/**
 * Presets: one per remedy and one per cause of mode collapse.
 *
 * Each preset is a set of overrides on a base configuration that depends on
 * the kind of data: 2-D toy mixtures train MLPs, 28x28 images train DCGANs.
 * The sources of the defaults are cited per preset (see also
 * ../shared/REFERENCES.md, section 3) and in docs/presets.md. Where a
 * source's setting does not fit the toy budget, the deviation is stated.
 *
 * All presets share the base networks so that remedies are compared with a
 * baseline trained with the same networks and budget (REFERENCES.md, 1).
 */
import type { NetConfig, TrainConfig } from './config.js';
import { deepMerge } from './config.js';

export type DataKind = 'toy' | 'image' | 'vector';

export interface Preset {
  name: string;
  /** 'remedy', 'baseline' or 'cause'. */
  role: 'baseline' | 'remedy' | 'cause';
  summary: string;
  /** Paper or code the defaults come from. */
  source: string;
  /** Overrides of the base configuration for this kind of data. */
  overrides(kind: DataKind): DeepPartial<TrainConfig>;
}

export type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends (infer U)[]
    ? U[]
    : T[K] extends object
      ? DeepPartial<T[K]>
      : T[K];
};

const mlp = (hidden: number[]): NetConfig => ({
  kind: 'mlp',
  hidden,
  activation: 'relu',
  batchNorm: false,
  spectralNorm: false,
  minibatch: null,
});

const dcgan = (batchNorm: boolean): NetConfig => ({
  kind: 'dcgan',
  width: 64,
  batchNorm,
  spectralNorm: false,
  minibatch: null,
});

/**
 * The base configuration. Toy: the T1 networks of the speed benchmark
 * (G 2-128-128-128-2 and D 2-128-128-128-1, ReLU, z of 2 as in PacGAN),
 * batch 256 as in the WGAN-GP toy script, Adam with the DCGAN betas (0.5,
 * 0.999) and the unrolled-GAN toy generator's rate 1e-3 for both players,
 * 5000 generator steps: the default budget, at which the vanilla GAN has
 * converged to sharp but too few modes on grid25. Images: the DCGAN of
 * the C1 benchmark, batch 64, Adam 2e-4 (0.5, 0.999) (Radford et al.
 * 2016).
 */
export function baseConfig(kind: DataKind, data: string): TrainConfig {
  const image = kind === 'image';
  return {
    data,
    weights: 'uniform',
    drop: [],
    preset: 'vanilla',
    seed: 0,
    steps: image ? 2000 : 5000,
    batchSize: image ? 64 : 256,
    zDim: image ? 100 : 2,
    zDist: 'normal',
    generator: image ? dcgan(true) : mlp([128, 128, 128]),
    discriminator: image ? dcgan(true) : mlp([128, 128, 128]),
    loss: 'minimax',
    lsgan: { a: 0, b: 1, c: 1 },
    optimizerG: { kind: 'adam', lr: image ? 2e-4 : 1e-3, beta1: 0.5, beta2: 0.999 },
    optimizerD: { kind: 'adam', lr: image ? 2e-4 : 1e-3, beta1: 0.5, beta2: 0.999 },
    dSteps: 1,
    gSteps: 1,
    gradientPenalty: 0,
    r1: 0,
    clip: 0,
    unrolled: { steps: 0, secondOrder: true },
    pack: 1,
    evalEvery: image ? 500 : 500,
    evalSamples: image ? 1000 : 2500,
    checkpointEvery: image ? 500 : 1000,
  };
}

export const PRESETS: Preset[] = [
  {
    name: 'vanilla',
    role: 'baseline',
    summary: 'the original minimax (saturating) GAN loss',
    source: 'Goodfellow et al. 2014, "Generative Adversarial Nets", eq. 1',
    overrides: () => ({ loss: 'minimax' }),
  },
  {
    name: 'ns',
    role: 'remedy',
    summary: 'non-saturating generator loss -log D(G(z))',
    source: 'Goodfellow et al. 2014, section 3 (the non-saturating heuristic)',
    overrides: () => ({ loss: 'ns' }),
  },
  {
    name: 'lsgan',
    role: 'remedy',
    summary: 'least-squares loss with targets (a, b, c) = (0, 1, 1)',
    source: 'Mao et al. 2017, "Least Squares GANs", eq. 9',
    overrides: () => ({ loss: 'lsgan', lsgan: { a: 0, b: 1, c: 1 } }),
  },
  {
    name: 'wgan',
    role: 'remedy',
    summary: 'Wasserstein critic with weights clipped to [-0.01, 0.01], ' +
      'RMSprop, 5 critic steps',
    source: 'Arjovsky et al. 2017, "Wasserstein GAN", Algorithm 1 ' +
      '(c = 0.01, RMSprop lr 5e-5, n_critic = 5)',
    overrides: () => ({
      loss: 'wgan',
      clip: 0.01,
      dSteps: 5,
      optimizerG: { kind: 'rmsprop', lr: 5e-5, alpha: 0.99 },
      optimizerD: { kind: 'rmsprop', lr: 5e-5, alpha: 0.99 },
    }),
  },
  {
    name: 'wgan-gp',
    role: 'remedy',
    summary: 'Wasserstein critic with a gradient penalty, 5 critic steps, ' +
      'Adam (1e-4, 0.5, 0.9)',
    source: 'Gulrajani et al. 2017, "Improved Training of Wasserstein GANs", ' +
      'Algorithm 1; lambda 0.1 from its toy script, 10 for images',
    overrides: (kind) => ({
      loss: 'wgan',
      gradientPenalty: kind === 'image' ? 10 : 0.1,
      dSteps: 5,
      optimizerG: { kind: 'adam', lr: 1e-4, beta1: 0.5, beta2: 0.9 },
      optimizerD: { kind: 'adam', lr: 1e-4, beta1: 0.5, beta2: 0.9 },
      discriminator: { batchNorm: false },
    }),
  },
  {
    name: 'sngan',
    role: 'remedy',
    summary: 'spectral normalisation of every discriminator layer, hinge ' +
      'loss, Adam (2e-4, 0, 0.9), 5 D steps',
    source: 'Miyato et al. 2018, "Spectral Normalization for GANs", ' +
      'official CIFAR setting',
    overrides: () => ({
      loss: 'hinge',
      dSteps: 5,
      optimizerG: { kind: 'adam', lr: 2e-4, beta1: 0, beta2: 0.9 },
      optimizerD: { kind: 'adam', lr: 2e-4, beta1: 0, beta2: 0.9 },
      discriminator: { spectralNorm: true, batchNorm: false },
    }),
  },
  {
    name: 'mbd',
    role: 'remedy',
    summary: 'minibatch discrimination layer (B kernels of C = 5: B = 100 ' +
      'for images, 16 for toy data) before the last discriminator layer, ' +
      'non-saturating loss',
    source: 'Salimans et al. 2016, "Improved Techniques for Training GANs", ' +
      'section 3.2 (B = 100, C = 5 on CIFAR and SVHN); on toy data B = 16: ' +
      'the pairwise term costs B x batch^2 per pass, and B = 100 makes a ' +
      '256-sample toy step about 4 times slower for 2-D samples',
    overrides: (kind) => ({
      loss: 'ns',
      discriminator: {
        minibatch: { kernels: kind === 'image' ? 100 : 16, kernelDim: 5 },
      },
    }),
  },
  {
    name: 'unrolled',
    role: 'remedy',
    summary: 'the generator sees the discriminator after k = 5 simulated ' +
      'updates, differentiated through them',
    source: 'Metz et al. 2017, "Unrolled GANs", toy setting (k = 5; Adam ' +
      'D 1e-4, G 1e-3, beta1 0.5)',
    overrides: () => ({
      loss: 'ns',
      unrolled: { steps: 5, secondOrder: true },
      optimizerG: { kind: 'adam', lr: 1e-3, beta1: 0.5, beta2: 0.999 },
      optimizerD: { kind: 'adam', lr: 1e-4, beta1: 0.5, beta2: 0.999 },
    }),
  },
  {
    name: 'pacgan',
    role: 'remedy',
    summary: 'the discriminator judges m = 4 samples at once (packing)',
    source: 'Lin et al. 2018, "PacGAN", Table 1 (PacGAN4 on the 2-D grid)',
    overrides: () => ({ loss: 'minimax', pack: 4 }),
  },
  {
    name: 'ttur',
    role: 'remedy',
    summary: 'two time-scale update rule: D learns 4x faster than G ' +
      '(D 4e-4, G 1e-4, Adam beta1 0)',
    source: 'Heusel et al. 2017 (TTUR); rates from Zhang et al. 2019 (SAGAN)',
    overrides: () => ({
      loss: 'ns',
      optimizerG: { kind: 'adam', lr: 1e-4, beta1: 0, beta2: 0.9 },
      optimizerD: { kind: 'adam', lr: 4e-4, beta1: 0, beta2: 0.9 },
    }),
  },
  {
    name: 'r1',
    role: 'remedy',
    summary: 'R1 penalty gamma/2 E||grad D(x)||^2 on real data, ' +
      'non-saturating loss',
    source: 'Mescheder et al. 2018, "Which Training Methods for GANs do ' +
      'actually Converge?" (gamma 10 for images; 0.1 on toy data)',
    overrides: (kind) => ({ loss: 'ns', r1: kind === 'image' ? 10 : 0.1 }),
  },
  {
    name: 'hinge',
    role: 'remedy',
    summary: 'hinge loss alone (no spectral normalisation)',
    source: 'Lim and Ye 2017, "Geometric GAN"',
    overrides: () => ({ loss: 'hinge' }),
  },
  {
    name: 'cause-lr-imbalance',
    role: 'cause',
    summary: 'learning-rate imbalance: G learns 20x faster than D ' +
      '(G 2e-3, D 1e-4), so it chases the discriminator and collapses',
    source: 'the TTUR analysis (Heusel et al. 2017): convergence needs the ' +
      'discriminator on the faster time scale; this preset inverts it',
    overrides: () => ({
      loss: 'ns',
      optimizerG: { kind: 'adam', lr: 2e-3, beta1: 0.5, beta2: 0.999 },
      optimizerD: { kind: 'adam', lr: 1e-4, beta1: 0.5, beta2: 0.999 },
    }),
  },
  {
    name: 'cause-strong-d',
    role: 'cause',
    summary: 'an overpowering discriminator: twice as wide (toy: 3x256), ' +
      '5 steps per G step, with the saturating loss',
    source: 'Arjovsky and Bottou 2017, "Towards Principled Methods for ' +
      'Training GANs" (a near-perfect D saturates the minimax loss)',
    overrides: (kind) => ({
      loss: 'minimax',
      dSteps: 5,
      discriminator: kind === 'image'
        ? { width: 128 }
        : { hidden: [256, 256, 256] },
    }),
  },
  {
    name: 'cause-low-diversity',
    role: 'cause',
    summary: 'the training data lacks diversity: only a few modes of the ' +
      'mixture are in the data (ring8: 2 of 8, grid25: 5 of 25); evaluated ' +
      'against the full mixture',
    source: 'modescope; the "drop" option of the toy mixtures',
    overrides: () => ({ loss: 'ns' }),
  },
];

/** Mode indices kept by cause-low-diversity, per mixture. */
export const LOW_DIVERSITY_KEEP: Record<string, number[]> = {
  ring8: [0, 4],
  grid25: [0, 6, 12, 18, 24],
  spiral: [0, 5],
};

export function getPreset(name: string): Preset | undefined {
  return PRESETS.find((p) => p.name === name);
}

/** The base configuration with a preset's overrides applied. */
export function presetConfig(
  name: string,
  kind: DataKind,
  data: string,
): TrainConfig {
  const preset = getPreset(name);
  if (!preset) throw new Error(`unknown preset ${name}`);
  const cfg = deepMerge(baseConfig(kind, data), preset.overrides(kind));
  cfg.preset = name;
  return cfg;
}
