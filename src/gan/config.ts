/**
 * The fully resolved configuration of a training run (written to
 * config.json), its validation, and the merging of overrides.
 *
 * A run's configuration comes from three layers, later ones winning:
 * the preset (src/gan/presets.ts), a `--config file.json`, and flags such as
 * `--lr-d 4e-4`. Every field can be overridden by a flag named after its
 * dotted path (`--discriminator.hidden 512,512`) or by the short aliases in
 * FLAG_ALIASES.
 */
import type { LossKind } from './losses.js';
import type { OptimizerConfig } from './optim.js';
import { UserError } from '../util/errors.js';

export interface MlpConfig {
  kind: 'mlp';
  hidden: number[];
  activation: 'relu' | 'leakyRelu' | 'tanh';
  batchNorm: boolean;
  spectralNorm: boolean;
  /** Minibatch discrimination (discriminator only); null when off. */
  minibatch: { kernels: number; kernelDim: number } | null;
}

export interface DcganConfig {
  kind: 'dcgan';
  width: number;
  batchNorm: boolean;
  spectralNorm: boolean;
  minibatch: { kernels: number; kernelDim: number } | null;
}

export type NetConfig = MlpConfig | DcganConfig;

export interface TrainConfig {
  /** Dataset spec: ring8, grid25, spiral, mnist, ... or a file. */
  data: string;
  /** Mode weights of a toy mixture: 'uniform', 'skewed' or a list. */
  weights: 'uniform' | 'skewed' | number[];
  /** Mode indices left out of the training data (toy mixtures). */
  drop: number[];
  preset: string;
  seed: number;
  /** Generator updates. */
  steps: number;
  batchSize: number;
  zDim: number;
  zDist: 'normal' | 'uniform';
  generator: NetConfig;
  discriminator: NetConfig;
  loss: LossKind;
  /** LSGAN targets (a fake, b real, c generator). */
  lsgan: { a: number; b: number; c: number };
  optimizerG: OptimizerConfig;
  optimizerD: OptimizerConfig;
  /** Discriminator updates per generator update. */
  dSteps: number;
  /** Generator updates per round (PacGAN's DCGAN setting uses 2). */
  gSteps: number;
  /** WGAN-GP penalty weight lambda (0: off). */
  gradientPenalty: number;
  /** R1 penalty weight gamma (0: off); the loss adds gamma/2 E||grad||^2. */
  r1: number;
  /** WGAN weight clipping bound c (0: off). */
  clip: number;
  /** Unrolled GAN: k simulated D steps (0: off), exact or first order. */
  unrolled: { steps: number; secondOrder: boolean };
  /** PacGAN: samples per discriminator input (1: off). */
  pack: number;
  /** Generator updates between evaluations (metrics.jsonl rows). */
  evalEvery: number;
  /** Samples generated for each evaluation and for samples.npy. */
  evalSamples: number;
  /** Generator updates between checkpoints. */
  checkpointEvery: number;
}

/** Short flags for the most used fields. */
export const FLAG_ALIASES: Record<string, string> = {
  'lr-g': 'optimizerG.lr',
  'lr-d': 'optimizerD.lr',
  'd-steps': 'dSteps',
  'g-steps': 'gSteps',
  'batch-size': 'batchSize',
  'z-dim': 'zDim',
  'eval-every': 'evalEvery',
  'eval-samples': 'evalSamples',
  'checkpoint-every': 'checkpointEvery',
  gp: 'gradientPenalty',
  unroll: 'unrolled.steps',
};

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge: objects merge key by key, everything else replaces. */
export function deepMerge<T>(base: T, over: unknown): T {
  if (!isObject(base) || !isObject(over)) return (over === undefined ? base : over) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = k in out && isObject(out[k]) && isObject(v)
      ? deepMerge(out[k], v)
      : v;
  }
  return out as T;
}

/**
 * Sets `path` (dotted) in `cfg` from a flag's string value, converted to the
 * type of the value already there. Unknown paths are a UserError.
 */
export function setByPath(
  cfg: Record<string, unknown>,
  path: string,
  raw: string,
  flag: string,
): void {
  const keys = path.split('.');
  let obj: Record<string, unknown> = cfg;
  for (const k of keys.slice(0, -1)) {
    const next = obj[k];
    if (!isObject(next)) throw unknownField(flag, path);
    obj = next;
  }
  const last = keys[keys.length - 1]!;
  if (!(last in obj)) throw unknownField(flag, path);
  const old = obj[last];
  obj[last] = convertLike(old, raw, flag);
}

function unknownField(flag: string, path: string): UserError {
  return new UserError(
    `modescope train: unknown flag "${flag}" (no configuration field ` +
      `"${path}")`,
    'see `modescope train --help` and the fields of config.json',
  );
}

function convertLike(old: unknown, raw: string, flag: string): Json {
  const fail = (expected: string): never => {
    throw new UserError(
      `modescope train: ${flag} must be ${expected}, but got "${raw}"`,
    );
  };
  if (typeof old === 'number') {
    const v = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(v)) fail('a number');
    return v;
  }
  if (typeof old === 'boolean') {
    if (raw === 'true' || raw === '') return true;
    if (raw === 'false') return false;
    return fail('true or false');
  }
  if (Array.isArray(old) || old === null || isObject(old)) {
    if (/^\s*[[{]/.test(raw) || raw === 'null') {
      try {
        return JSON.parse(raw) as Json;
      } catch {
        fail('valid JSON');
      }
    }
    if (Array.isArray(old) || raw.includes(',')) {
      const items = raw.split(',').filter((s) => s.trim() !== '');
      const nums = items.map(Number);
      return nums.every(Number.isFinite) ? nums : items;
    }
    const v = Number(raw);
    return Number.isFinite(v) && raw.trim() !== '' ? v : raw;
  }
  return raw;
}

const LOSSES: readonly LossKind[] = ['minimax', 'ns', 'lsgan', 'wgan', 'hinge'];

/** Checks every field; errors name the field, expected and received. */
export function validateConfig(c: TrainConfig): void {
  const where = 'modescope train';
  const int = (v: unknown, name: string, min: number): void => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      throw new UserError(
        `${where}: ${name} must be an integer >= ${min}, but got ${JSON.stringify(v)}`,
      );
    }
  };
  const num = (v: unknown, name: string, min: number): void => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
      throw new UserError(
        `${where}: ${name} must be a number >= ${min}, but got ${JSON.stringify(v)}`,
      );
    }
  };
  int(c.steps, 'steps', 0);
  int(c.seed, 'seed', 0);
  int(c.batchSize, 'batchSize', 2);
  int(c.zDim, 'zDim', 1);
  int(c.dSteps, 'dSteps', 1);
  int(c.gSteps, 'gSteps', 1);
  int(c.pack, 'pack', 1);
  int(c.evalEvery, 'evalEvery', 1);
  int(c.evalSamples, 'evalSamples', 1);
  int(c.checkpointEvery, 'checkpointEvery', 1);
  int(c.unrolled.steps, 'unrolled.steps', 0);
  num(c.gradientPenalty, 'gradientPenalty', 0);
  num(c.r1, 'r1', 0);
  num(c.clip, 'clip', 0);
  if (!LOSSES.includes(c.loss)) {
    throw new UserError(
      `${where}: loss must be one of ${LOSSES.join(', ')}, but got ${JSON.stringify(c.loss)}`,
    );
  }
  for (const [name, o] of [['optimizerG', c.optimizerG], ['optimizerD', c.optimizerD]] as const) {
    if (!['adam', 'rmsprop', 'sgd'].includes(o.kind)) {
      throw new UserError(
        `${where}: ${name}.kind must be adam, rmsprop or sgd, but got ${JSON.stringify(o.kind)}`,
      );
    }
    num(o.lr, `${name}.lr`, 0);
  }
  if (c.batchSize % c.pack !== 0) {
    throw new UserError(
      `${where}: batchSize must be a multiple of pack (${c.pack}), but got ${c.batchSize}`,
    );
  }
  if (!['normal', 'uniform'].includes(c.zDist)) {
    throw new UserError(
      `${where}: zDist must be normal or uniform, but got ${JSON.stringify(c.zDist)}`,
    );
  }
  for (const [name, n] of [['generator', c.generator], ['discriminator', c.discriminator]] as const) {
    if (n.kind !== 'mlp' && n.kind !== 'dcgan') {
      throw new UserError(
        `${where}: ${name}.kind must be mlp or dcgan, but got ${JSON.stringify((n as { kind: unknown }).kind)}`,
      );
    }
    if (n.kind === 'mlp') {
      if (!Array.isArray(n.hidden) || n.hidden.some((h) => !Number.isInteger(h) || h < 1)) {
        throw new UserError(
          `${where}: ${name}.hidden must be a list of positive integers, but got ${JSON.stringify(n.hidden)}`,
        );
      }
    } else {
      int(n.width, `${name}.width`, 1);
    }
  }
}
