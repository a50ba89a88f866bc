/**
 * Functional optimisers: a step maps (params, grads, state) to new params
 * and state and never mutates. The same code serves the trainer and the
 * unrolled GAN, whose simulated discriminator updates must stay
 * differentiable (each step is plain tf.js ops).
 *
 * Update rules follow PyTorch's torch.optim (Adam with bias correction and
 * eps outside the square root; RMSprop with smoothing constant `alpha`),
 * so that presets quoted from papers that used PyTorch mean the same here.
 */
import { tf } from '../runtime/tf.js';
import type { TensorMap } from '../nn/types.js';
import { adamUpdateAll } from '../backend/fused.js';

/**
 * Added under the square roots. A gradient entry that is exactly zero (a
 * dead ReLU) gives v = 0, where sqrt has an infinite derivative: a
 * differentiated update (unrolled GAN) would turn 0 * inf into NaN. At
 * 1e-30 the values themselves do not change in float32 next to eps.
 */
const TINY = 1e-30;

export type OptimizerKind = 'adam' | 'rmsprop' | 'sgd';

export interface OptimizerConfig {
  kind: OptimizerKind;
  lr: number;
  /** Adam's first-moment decay (PyTorch default 0.9). */
  beta1?: number;
  /** Adam's second-moment decay (PyTorch default 0.999). */
  beta2?: number;
  /** RMSprop's smoothing constant (PyTorch default 0.99). */
  alpha?: number;
  /** Added to the denominator (PyTorch default 1e-8). */
  eps?: number;
}

export interface OptState {
  /** Number of updates applied so far. */
  step: number;
  /** Moment estimates, keyed by slot (`m`, `v`) then parameter name. */
  slots: Record<string, TensorMap>;
}

export function initOptState(cfg: OptimizerConfig, params: TensorMap): OptState {
  const zeros = (): TensorMap =>
    Object.fromEntries(
      Object.entries(params).map(([k, p]) => [k, tf.zerosLike(p)]),
    );
  switch (cfg.kind) {
    case 'adam':
      return { step: 0, slots: { m: zeros(), v: zeros() } };
    case 'rmsprop':
      return { step: 0, slots: { v: zeros() } };
    case 'sgd':
      return { step: 0, slots: {} };
  }
}

/**
 * One optimiser step. Returns new tensors; the caller disposes the old ones
 * (or wraps the call in tf.tidy). Parameters without a gradient are kept.
 */
export function optimizerStep(
  cfg: OptimizerConfig,
  params: TensorMap,
  grads: TensorMap,
  state: OptState,
): { params: TensorMap; state: OptState } {
  const step = state.step + 1;
  const eps = cfg.eps ?? 1e-8;
  // Outside any gradient tape (a real update, not an unrolled one), Adam
  // runs as one fused op for all parameters: one native kernel instead of
  // about ten per parameter.
  const depth = (tf.engine().state as unknown as { gradientDepth: number })
    .gradientDepth;
  if (cfg.kind === 'adam' && depth === 0) {
    return fusedAdam(cfg, params, grads, state, step);
  }
  const out: TensorMap = {};
  const slots: Record<string, TensorMap> = {};
  for (const name of Object.keys(state.slots)) slots[name] = {};
  for (const [k, p] of Object.entries(params)) {
    const g = grads[k];
    if (g === undefined) {
      out[k] = p;
      for (const s of Object.keys(slots)) slots[s]![k] = state.slots[s]![k]!;
      continue;
    }
    switch (cfg.kind) {
      case 'sgd':
        out[k] = tf.sub(p, tf.mul(g, cfg.lr));
        break;
      case 'adam': {
        const b1 = cfg.beta1 ?? 0.9;
        const b2 = cfg.beta2 ?? 0.999;
        const m = tf.add(tf.mul(state.slots.m![k]!, b1), tf.mul(g, 1 - b1));
        const v = tf.add(
          tf.mul(state.slots.v![k]!, b2),
          tf.mul(tf.square(g), 1 - b2),
        );
        // lr * m_hat / (sqrt(v_hat) + eps), with the bias corrections folded
        // into two scalars as PyTorch does.
        const c1 = 1 - b1 ** step;
        const c2 = Math.sqrt(1 - b2 ** step);
        const denom = tf.add(tf.div(tf.sqrt(tf.add(v, TINY)), c2), eps);
        out[k] = tf.sub(p, tf.mul(tf.div(m, denom), cfg.lr / c1));
        slots.m![k] = m;
        slots.v![k] = v;
        break;
      }
      case 'rmsprop': {
        const a = cfg.alpha ?? 0.99;
        const v = tf.add(
          tf.mul(state.slots.v![k]!, a),
          tf.mul(tf.square(g), 1 - a),
        );
        const denom = tf.add(tf.sqrt(tf.add(v, TINY)), eps);
        out[k] = tf.sub(p, tf.mul(tf.div(g, denom), cfg.lr));
        slots.v![k] = v;
        break;
      }
    }
  }
  return { params: out, state: { step, slots } };
}

function fusedAdam(
  cfg: OptimizerConfig,
  params: TensorMap,
  grads: TensorMap,
  state: OptState,
  step: number,
): { params: TensorMap; state: OptState } {
  const keys = Object.keys(params).filter((k) => grads[k] !== undefined);
  const res = adamUpdateAll(
    keys.map((k) => params[k]!),
    keys.map((k) => grads[k]!),
    keys.map((k) => state.slots.m![k]!),
    keys.map((k) => state.slots.v![k]!),
    { lr: cfg.lr, beta1: cfg.beta1 ?? 0.9, beta2: cfg.beta2 ?? 0.999,
      eps: cfg.eps ?? 1e-8, step },
  );
  const out: TensorMap = { ...params };
  const m: TensorMap = { ...state.slots.m };
  const v: TensorMap = { ...state.slots.v };
  keys.forEach((k, i) => {
    out[k] = res.params[i]!;
    m[k] = res.m[i]!;
    v[k] = res.v[i]!;
  });
  return { params: out, state: { step, slots: { m, v } } };
}

/** Disposes every tensor of an optimiser state. */
export function disposeOptState(s: OptState): void {
  for (const slot of Object.values(s.slots)) tf.dispose(Object.values(slot));
}
