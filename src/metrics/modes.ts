/**
 * Mode coverage, sample quality and mode KL for data with known modes.
 *
 * The VEEGAN / PacGAN protocol for 2-D mixtures (2,500 generated samples):
 *
 *   nearest(x)  = argmin_k ||x - mu_k||_2
 *   HQ(x)       = ||x - mu_nearest(x)||_2 < sigmas * std   (strict <)
 *   covered     = #{k : some HQ sample has nearest mode k}
 *   q_k         = #{x : nearest(x) = k} / n   (all samples, HQ or not)
 *   kl          = KL(q || uniform) = sum_k q_k ln(q_k K),  0 ln 0 = 0
 *
 * VEEGAN (Srivastava et al. 2017, Table 1) and PacGAN (Lin et al. 2018,
 * Table 1) define HQ and covered this way with sigmas = 3. PacGAN's code
 * does not show its KL; modescope uses KL(q || uniform) in nats, the same
 * definition as for Stacked MNIST, so a full collapse onto one mode gives
 * ln K and a perfectly even spread gives 0.
 *
 * The reference is always all K modes of the mixture's `means`: its
 * weights are ignored, so modes dropped from the training data still
 * count as missing.
 */
import type { Mixture } from '../data/mixtures.js';
import { UserRangeError, describe } from '../util/errors.js';

export interface ModeStats {
  /** Modes with at least one high-quality sample. */
  covered: number;
  /** K, the number of modes of the full mixture. */
  total: number;
  /** Fraction of samples within `sigmas * std` of their nearest mode. */
  highQuality: number;
  /** KL(q || uniform) over all samples by nearest mode, in nats. */
  kl: number;
  /** `[K]` samples whose nearest mode is k (all samples). */
  counts: number[];
  /** `[K]` high-quality samples whose nearest mode is k. */
  hqCounts: number[];
}

export interface ModeStatsOptions {
  /** HQ radius in mixture stds; default 3 (VEEGAN, PacGAN). */
  sigmas?: number;
}

/**
 * Scores generated 2-D samples against a mixture's modes.
 * `samples` is `[n, 2]` float32 (n >= 1, all finite).
 */
export function modeStats(
  samples: Float32Array,
  mixture: Mixture,
  opts: ModeStatsOptions = {},
): ModeStats {
  const where = 'modeStats';
  const sigmas = opts.sigmas ?? 3;
  if (!(Number.isFinite(sigmas) && sigmas > 0)) {
    throw new UserRangeError(
      `${where}: sigmas must be a finite number > 0, ` +
        `but got ${describe(sigmas)}`,
    );
  }
  if (samples.length === 0 || samples.length % 2 !== 0) {
    throw new UserRangeError(
      `${where}: samples must be [n, 2] with n >= 1, but got ` +
        `${samples.length} values`,
    );
  }
  for (let i = 0; i < samples.length; i++) {
    if (!Number.isFinite(samples[i]!)) {
      throw new UserRangeError(
        `${where}: samples must be finite, but got ${samples[i]} at ` +
          `[${i >> 1}, ${i & 1}]`,
        'the generator diverged; check the loss curves',
      );
    }
  }
  const n = samples.length / 2;
  const k = mixture.means.length / 2;
  const { means } = mixture;
  // Compare squared distances, so the HQ test needs no square root.
  const r2 = (sigmas * mixture.std) ** 2;
  const counts = new Array<number>(k).fill(0);
  const hqCounts = new Array<number>(k).fill(0);
  let hq = 0;
  for (let i = 0; i < n; i++) {
    const x = samples[2 * i]!;
    const y = samples[2 * i + 1]!;
    let best = 0;
    let bestD = Infinity;
    for (let m = 0; m < k; m++) {
      const dx = x - means[2 * m]!;
      const dy = y - means[2 * m + 1]!;
      const d = dx * dx + dy * dy;
      if (d < bestD) {
        bestD = d;
        best = m;
      }
    }
    counts[best]!++;
    if (bestD < r2) {
      hqCounts[best]!++;
      hq++;
    }
  }
  let kl = 0;
  for (let m = 0; m < k; m++) {
    const q = counts[m]! / n;
    if (q > 0) kl += q * Math.log(q * k);
  }
  return {
    covered: hqCounts.filter((c) => c > 0).length,
    total: k,
    highQuality: hq / n,
    // KL >= 0; rounding in q_k K can leave -1e-17 for an even spread.
    kl: Math.max(0, kl),
    counts,
    hqCounts,
  };
}
