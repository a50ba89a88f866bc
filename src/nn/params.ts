/**
 * Which parameters are weights (dense and conv kernels, the minibatch
 * tensor T) and which are biases and batch-norm scales and shifts.
 *
 * WGAN's weight clipping (Arjovsky et al. 2017) clips *every* critic
 * parameter, biases and batch-norm ones included, as the reference code
 * does (`for p in netD.parameters(): p.data.clamp_(...)`), so a trainer can
 * simply clip the whole map; this split is for weight decay and reporting.
 */
import type { TensorMap } from './types.js';

/** True for a weight: a name ending in `/w` or `/T`. */
export function isWeightParam(name: string): boolean {
  return name.endsWith('/w') || name.endsWith('/T');
}

/** Splits parameter names into weights and the rest, each sorted. */
export function splitParams(params: TensorMap): {
  weights: string[];
  others: string[];
} {
  const names = Object.keys(params).sort();
  return {
    weights: names.filter(isWeightParam),
    others: names.filter((n) => !isWeightParam(n)),
  };
}
