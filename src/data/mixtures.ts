/**
 * Toy 2-D Gaussian mixtures with known modes.
 *
 * Every mixture has K isotropic Gaussian modes of one shared std:
 *
 * - `ring8`: 8 modes at (2 cos(2 pi i / 8), 2 sin(2 pi i / 8)), i = 0..7,
 *   std 0.02 (the Unrolled-GAN ports' scale; PacGAN uses r = 1, std 0.01).
 *   The angles step by 2 pi / 8 and stop before 2 pi: the official
 *   Unrolled-GAN notebook spaced them with linspace over [0, 2 pi], which
 *   puts modes 0 and 8 on top of each other and leaves 7 distinct modes.
 * - `grid25`: 25 modes at {-4, -2, 0, 2, 4}^2, std 0.05 (VEEGAN, PacGAN).
 *   Mode k sits at (x, y) = (-4 + 2 (k mod 5), -4 + 2 floor(k / 5)).
 * - `spiral` (modescope's own): 10 modes along the Archimedean spiral
 *   r = theta / pi (turns 2 apart), at radii r_k = sqrt(1 + 5k/3), k = 0..9,
 *   so r runs from 1 to 4 and neighbouring modes are about equally far
 *   apart along the curve (arc length grows like r^2); std 0.05. The modes
 *   sit at (r_k cos(pi r_k), r_k sin(pi r_k)).
 *
 * Weights: uniform by default; `'skewed'` is the Zipf profile
 * w_k proportional to 1 / (k + 1), so the last mode of ring8 gets 1/8 of the
 * first one's mass; an explicit array is normalised to sum to 1. `drop`
 * sets the listed modes' weights to 0 in the training distribution only:
 * the returned mixture keeps all K means, and mode metrics (modeStats)
 * always score against all K modes, so a generator trained on data that
 * lacks modes is measured against the full mixture.
 */
import type { Rng } from '../util/rng.js';
import { UserError, UserRangeError, describe } from '../util/errors.js';

export interface Mixture {
  name: string;
  /** Mode centres, `[K, 2]` float64, row-major (x, y). */
  means: Float64Array;
  /** Shared standard deviation of every mode, per coordinate. */
  std: number;
  /** Mode weights, `[K]` float64, sum to 1 (0 for dropped modes). */
  weights: Float64Array;
}

export type MixtureName = 'ring8' | 'grid25' | 'spiral';
export const MIXTURE_NAMES: readonly MixtureName[] = [
  'ring8',
  'grid25',
  'spiral',
];

export interface MixtureOptions {
  /** Per-mode weights (normalised), or a named profile; default uniform. */
  weights?: number[] | 'uniform' | 'skewed';
  /** Mode indices removed from the training data (weight set to 0). */
  drop?: number[];
}

export function isMixtureName(s: string): s is MixtureName {
  return (MIXTURE_NAMES as readonly string[]).includes(s);
}

/** The full mixture `name` with uniform weights: the evaluation reference. */
function baseMixture(name: MixtureName): { means: number[]; std: number } {
  const means: number[] = [];
  if (name === 'ring8') {
    for (let i = 0; i < 8; i++) {
      const a = (2 * Math.PI * i) / 8;
      means.push(2 * Math.cos(a), 2 * Math.sin(a));
    }
    return { means, std: 0.02 };
  }
  if (name === 'grid25') {
    for (let k = 0; k < 25; k++) {
      means.push(-4 + 2 * (k % 5), -4 + 2 * Math.floor(k / 5));
    }
    return { means, std: 0.05 };
  }
  for (let k = 0; k < 10; k++) {
    const r = Math.sqrt(1 + (5 * k) / 3);
    means.push(r * Math.cos(Math.PI * r), r * Math.sin(Math.PI * r));
  }
  return { means, std: 0.05 };
}

/**
 * Builds a named mixture, optionally with unequal or dropped modes.
 * Throws a UserError for an unknown name or bad weights / drop indices.
 */
export function getMixture(
  name: MixtureName,
  opts: MixtureOptions = {},
): Mixture {
  const where = `mixture ${name}`;
  if (!isMixtureName(name)) {
    throw new UserError(
      `mixture: name must be one of ${MIXTURE_NAMES.join(', ')}, ` +
        `but got ${describe(name)}`,
    );
  }
  const base = baseMixture(name);
  const w = modeWeights(base.means.length / 2, opts, where);
  return {
    name,
    means: Float64Array.from(base.means),
    std: base.std,
    weights: w,
  };
}

/**
 * Normalised weights `[K]` from a weight spec and dropped indices (see the
 * file comment); used for mixture modes and for image classes alike.
 * `where` names the data set in errors.
 */
export function modeWeights(
  k: number,
  opts: MixtureOptions,
  where: string,
): Float64Array {
  const w = new Float64Array(k);
  const spec = opts.weights ?? 'uniform';
  if (spec === 'uniform') {
    w.fill(1);
  } else if (spec === 'skewed') {
    for (let i = 0; i < k; i++) w[i] = 1 / (i + 1);
  } else if (Array.isArray(spec)) {
    if (spec.length !== k) {
      throw new UserRangeError(
        `${where}: weights must have ${k} entries (one per mode), ` +
          `but got ${spec.length}`,
      );
    }
    spec.forEach((v, i) => {
      if (!(Number.isFinite(v) && v >= 0)) {
        throw new UserRangeError(
          `${where}: weights[${i}] must be a finite number >= 0, ` +
            `but got ${describe(v)}`,
        );
      }
      w[i] = v;
    });
  } else {
    throw new UserError(
      `${where}: weights must be 'uniform', 'skewed' or an array of ` +
        `${k} numbers, but got ${describe(spec)}`,
    );
  }
  for (const d of opts.drop ?? []) {
    if (!(Number.isInteger(d) && d >= 0 && d < k)) {
      throw new UserRangeError(
        `${where}: drop must list mode indices in [0, ${k - 1}], ` +
          `but got ${describe(d)}`,
      );
    }
    w[d] = 0;
  }
  const total = w.reduce((a, b) => a + b, 0);
  if (!(total > 0)) {
    throw new UserRangeError(
      `${where}: weights must leave at least one mode with weight > 0, ` +
        `but got all ${k} modes at 0`,
      'drop fewer modes',
    );
  }
  for (let i = 0; i < k; i++) w[i]! /= total;
  return w;
}

/**
 * Index of the category that `u` in [0, 1) falls into under cumulative
 * `weights` `[K]` (sum 1), never one of weight 0. A linear scan: K <= 25
 * here, where it beats a binary search or an alias table.
 */
export function pickByWeight(weights: Float64Array, u: number): number {
  const k = weights.length;
  let m = 0;
  while (m < k - 1 && (u >= weights[m]! || weights[m] === 0)) {
    u -= weights[m]!;
    m++;
  }
  // Rounding can walk u past the last positive weight: step back to it.
  while (weights[m] === 0) m--;
  return m;
}

/** Number of modes K of a mixture. */
export function numModes(mix: Mixture): number {
  return mix.means.length / 2;
}

/**
 * Draws `n` points from the mixture: a mode by weight, then Gaussian noise.
 * Returns `[n, 2]` float32. Writes into `out` when given (length >= 2n),
 * so a training loop can reuse one buffer. Costs one uniform and two normal
 * draws per point and no allocation besides the result.
 */
export function sampleMixture(
  mix: Mixture,
  n: number,
  rng: Rng,
  out?: Float32Array,
): Float32Array {
  if (!(Number.isInteger(n) && n >= 0)) {
    throw new UserRangeError(
      `sampleMixture: n must be an integer >= 0, but got ${describe(n)}`,
    );
  }
  const res = out ? out.subarray(0, 2 * n) : new Float32Array(2 * n);
  if (res.length < 2 * n) {
    throw new RangeError(
      `sampleMixture: out must hold ${2 * n} values, but got ${res.length}`,
    );
  }
  const { means, std, weights } = mix;
  for (let i = 0; i < n; i++) {
    const m = pickByWeight(weights, rng.uniform());
    res[2 * i] = means[2 * m]! + std * rng.normal();
    res[2 * i + 1] = means[2 * m + 1]! + std * rng.normal();
  }
  return res;
}
