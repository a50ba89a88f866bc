/**
 * Mode statistics for Stacked MNIST (Metz et al. 2017; Srivastava et al.
 * 2017): each generated 28x28x3 image stacks three MNIST digits, one per
 * channel, so there are 1000 modes (digit triples).
 *
 *   label(x) = 100 c(x_0) + 10 c(x_1) + c(x_2),  c the MNIST classifier
 *   covered  = #{distinct labels}          (of 1000)
 *   kl       = KL(q || uniform) = sum_{t seen} q_t ln(1000 q_t)
 *
 * with q the label frequencies; the protocol uses 26,000 samples.
 */
import { UserRangeError } from '../util/errors.js';

/** Labels `[N]` of images `[N, 28, 28, 1]` float32 in [0, 1]. */
export type DigitClassifier = (
  images: Float32Array,
  count: number,
) => Int32Array | Promise<Int32Array>;

export interface StackedModes {
  covered: number;
  total: number;
  kl: number;
  /** `[1000]` samples per digit triple. */
  counts: Int32Array;
  warnings: string[];
}

/** The recommended sample count of the protocol. */
export const STACKED_SAMPLES = 26000;

/**
 * Scores Stacked-MNIST samples `[N, 28, 28, 3]` (NHWC) float32 in [0, 1]
 * with `classify`, called once per channel.
 */
export async function stackedMnistModes(
  images: Float32Array,
  count: number,
  classify: DigitClassifier,
): Promise<StackedModes> {
  const where = 'stacked-mnist modes';
  const px = 28 * 28;
  if (!(count >= 1 && images.length === count * px * 3)) {
    throw new UserRangeError(
      `${where}: images must be [N, 28, 28, 3] with N >= 1, but got ` +
        `${images.length} values for N = ${count}`,
    );
  }
  const labels: Int32Array[] = [];
  const channel = new Float32Array(count * px);
  for (let ch = 0; ch < 3; ch++) {
    for (let i = 0; i < count * px; i++) channel[i] = images[i * 3 + ch]!;
    const l = await classify(Float32Array.from(channel), count);
    if (l.length !== count) {
      throw new UserRangeError(
        `${where}: the classifier must return ${count} labels, but got ` +
          `${l.length}`,
      );
    }
    labels.push(l);
  }
  const counts = new Int32Array(1000);
  for (let i = 0; i < count; i++) {
    const t = 100 * labels[0]![i]! + 10 * labels[1]![i]! + labels[2]![i]!;
    counts[t]!++;
  }
  let covered = 0;
  let kl = 0;
  for (let t = 0; t < 1000; t++) {
    if (counts[t]! === 0) continue;
    covered++;
    const q = counts[t]! / count;
    kl += q * Math.log(q * 1000);
  }
  const warnings: string[] = [];
  if (count < STACKED_SAMPLES) {
    warnings.push(
      `modes: ${count} samples is below the protocol's ` +
        `${STACKED_SAMPLES}; fewer of the 1000 modes can be seen and the ` +
        'KL is biased upwards',
    );
  }
  return { covered, total: 1000, kl: Math.max(0, kl), counts, warnings };
}
