/**
 * The GAN training loop, written functionally: parameters, network state
 * and optimiser moments are tensor maps replaced at every update, so that
 * a gradient penalty can differentiate through a gradient and an unrolled
 * GAN through simulated discriminator updates.
 *
 * One round: `dSteps` discriminator updates, then `gSteps` generator
 * updates. `steps` counts generator updates. Every random draw comes from
 * seeded Rng streams that checkpoints store, so a resumed run continues
 * exactly as if it had never stopped.
 */
import { tf } from '../runtime/tf.js';
import type { Net, TensorMap } from '../nn/types.js';
import type { Dataset } from '../data/index.js';
import { Rng } from '../util/rng.js';
import { scoped } from '../runtime/scope.js';
import type { TrainConfig } from './config.js';
import {
  clipMap,
  discriminatorObjective,
  generatorObjective,
  unrollDiscriminator,
  type Side,
} from './objectives.js';
import {
  disposeOptState,
  initOptState,
  optimizerStep,
  type OptState,
} from './optim.js';
import { buildNets } from './models.js';

/** Statistics of one round, read back from the tensors. */
export interface StepStats {
  lossD: number;
  lossG: number;
  /** Mean raw D output on the real and fake batch of the last D step. */
  dReal: number;
  dFake: number;
}

/** The random streams of a run, each independent of the others. */
interface Streams {
  data: Rng;
  z: Rng;
  aux: Rng;
  eval: Rng;
}

export interface RunState {
  step: number;
  gParams: TensorMap;
  gState: TensorMap;
  dParams: TensorMap;
  dState: TensorMap;
  optG: OptState;
  optD: OptState;
  streams: Streams;
}

function names(m: TensorMap): string[] {
  return Object.keys(m).sort();
}

function globalNorm(grads: TensorMap): number {
  return tf.tidy(() => {
    const sq = Object.values(grads).map((g) => tf.sum(tf.square(g)));
    return Math.sqrt((tf.addN(sq).dataSync() as Float32Array)[0]!);
  });
}

export class GanTrainer {
  readonly G: Net;
  readonly D: Net;
  run: RunState;
  /** Gradient norms of the last update of each network. */
  gradNorms = { d: 0, g: 0 };
  /** Whether the next update should measure gradient norms. */
  measureNorms = false;

  constructor(
    readonly cfg: TrainConfig,
    readonly data: Dataset,
    run?: RunState,
  ) {
    const { G, D } = buildNets(cfg, data.sampleShape);
    this.G = G;
    this.D = D;
    if (run) {
      this.run = run;
      return;
    }
    // Fork the streams in a fixed order so that each is a function of the
    // seed alone.
    const root = new Rng(cfg.seed);
    const init = root.fork();
    const streams: Streams = {
      data: root.fork(),
      z: root.fork(),
      aux: root.fork(),
      eval: root.fork(),
    };
    const g = G.init(init);
    const d = D.init(init);
    this.run = {
      step: 0,
      gParams: g.params,
      gState: g.state,
      dParams: d.params,
      dState: d.state,
      optG: initOptState(cfg.optimizerG, g.params),
      optD: initOptState(cfg.optimizerD, d.params),
      streams,
    };
  }

  private latent(n: number, rng: Rng): tf.Tensor2D {
    const { zDim, zDist } = this.cfg;
    const v = zDist === 'normal'
      ? rng.normalArray(n * zDim)
      : rng.uniformArray(n * zDim, -1, 1);
    return tf.tensor2d(v, [n, zDim]);
  }

  private realBatch(n: number): tf.Tensor {
    const x = this.data.sample(this.run.streams.data, n);
    return tf.tensor(x, [n, ...this.data.sampleShape]);
  }

  /**
   * One discriminator update on a fresh real batch and a fresh fake batch.
   * Returns the loss and the mean D outputs.
   */
  private dStep(): { loss: number; dReal: number; dFake: number } {
    const cfg = this.cfg;
    const run = this.run;
    const n = cfg.batchSize;
    const keys = names(run.dParams);
    const out: Side = { state: run.dState };
    const res = scoped(() => {
      const real = this.realBatch(n);
      const z = this.latent(n, run.streams.z);
      // The generator runs in training mode (batch statistics) but its
      // running statistics move only in generator steps.
      const fake = this.G.apply(run.gParams, run.gState, z, {
        training: true,
      }).y;
      const alpha = cfg.gradientPenalty > 0
        ? tf.tensor1d(run.streams.aux.uniformArray(n))
        : null;
      const f = (...ps: tf.Tensor[]): tf.Scalar => {
        const dp: TensorMap = {};
        keys.forEach((k, i) => (dp[k] = ps[i]!));
        const loss = discriminatorObjective(
          this, cfg, dp, run.dState, real, fake, alpha, out,
        );
        for (const t of Object.values(out.state)) tf.keep(t);
        tf.keep(out.dReal!);
        tf.keep(out.dFake!);
        return loss;
      };
      const { value, grads } = tf.valueAndGrads(f)(keys.map((k) => run.dParams[k]!));
      const gm: TensorMap = {};
      keys.forEach((k, i) => (gm[k] = grads[i]!));
      if (this.measureNorms) this.gradNorms.d = globalNorm(gm);
      const upd = optimizerStep(cfg.optimizerD, run.dParams, gm, run.optD);
      const params = clipMap(upd.params, cfg.clip);
      const keep = [
        ...Object.values(params),
        ...Object.values(upd.state.slots).flatMap((s) => Object.values(s)),
      ];
      for (const t of keep) tf.keep(t);
      return {
        value: value.dataSync()[0]!,
        params,
        optState: upd.state,
      };
    });
    const dReal = tf.mean(out.dReal!).dataSync()[0]!;
    const dFake = tf.mean(out.dFake!).dataSync()[0]!;
    tf.dispose([out.dReal!, out.dFake!]);
    this.replaceD(res.params, out.state, res.optState);
    return { loss: res.value, dReal, dFake };
  }

  private replaceD(params: TensorMap, state: TensorMap, opt: OptState): void {
    const run = this.run;
    disposeReplaced(run.dParams, params);
    disposeReplaced(run.dState, state);
    disposeOptReplaced(run.optD, opt);
    run.dParams = params;
    run.dState = state;
    run.optD = opt;
  }

  /** One generator update. */
  private gStep(): number {
    const cfg = this.cfg;
    const run = this.run;
    const n = cfg.batchSize;
    const keys = names(run.gParams);
    const k = cfg.unrolled.steps;
    const holder: Side = { state: run.gState };
    const res = scoped(() => {
      const z = this.latent(n, run.streams.z);
      const reals = Array.from({ length: k }, () => this.realBatch(n));
      // First-order unrolling: the surrogate discriminator is computed
      // once, outside the generator's gradient tape.
      let dFixed: TensorMap | null = null;
      if (k > 0 && !cfg.unrolled.secondOrder) {
        const fake = this.G.apply(run.gParams, run.gState, z, {
          training: true,
        }).y;
        dFixed = unrollDiscriminator(
          this, cfg, run.dParams, run.dState, run.optD, fake, reals,
        );
      }
      const f = (...ps: tf.Tensor[]): tf.Scalar => {
        const gp: TensorMap = {};
        keys.forEach((kk, i) => (gp[kk] = ps[i]!));
        const loss = generatorObjective(
          this, cfg, gp, run.gState, run.dParams, run.dState, run.optD,
          z, reals, dFixed, holder,
        );
        for (const t of Object.values(holder.state)) tf.keep(t);
        return loss;
      };
      const { value, grads } = tf.valueAndGrads(f)(keys.map((kk) => run.gParams[kk]!));
      const gm: TensorMap = {};
      keys.forEach((kk, i) => (gm[kk] = grads[i]!));
      if (this.measureNorms) this.gradNorms.g = globalNorm(gm);
      const upd = optimizerStep(cfg.optimizerG, run.gParams, gm, run.optG);
      const keep = [
        ...Object.values(upd.params),
        ...Object.values(upd.state.slots).flatMap((s) => Object.values(s)),
      ];
      for (const t of keep) tf.keep(t);
      return { value: value.dataSync()[0]!, params: upd.params, opt: upd.state };
    });
    disposeReplaced(run.gParams, res.params);
    disposeReplaced(run.gState, holder.state);
    disposeOptReplaced(run.optG, res.opt);
    run.gParams = res.params;
    run.gState = holder.state;
    run.optG = res.opt;
    return res.value;
  }

  /** One round: dSteps D updates, then gSteps G updates. */
  round(): StepStats {
    let lossD = 0;
    let dReal = 0;
    let dFake = 0;
    for (let i = 0; i < this.cfg.dSteps; i++) {
      const s = this.dStep();
      lossD = s.loss;
      dReal = s.dReal;
      dFake = s.dFake;
    }
    let lossG = 0;
    for (let i = 0; i < this.cfg.gSteps; i++) {
      lossG = this.gStep();
      this.run.step++;
    }
    return { lossD, lossG, dReal, dFake };
  }

  /**
   * `n` samples of the generator in evaluation mode, drawn from the eval
   * stream: `[n, ...sampleShape]` float32.
   */
  sample(n: number, rng: Rng = this.run.streams.eval): Float32Array {
    const out = new Float32Array(n * this.data.sampleShape.reduce((a, b) => a * b, 1));
    const chunk = 1000;
    let offset = 0;
    for (let i = 0; i < n; i += chunk) {
      const m = Math.min(chunk, n - i);
      const y = tf.tidy(() => {
        const z = this.latent(m, rng);
        return this.G.apply(this.run.gParams, this.run.gState, z, {
          training: false,
        }).y;
      });
      const v = y.dataSync() as Float32Array;
      out.set(v, offset);
      offset += v.length;
      y.dispose();
    }
    return out;
  }

  /** Frees every tensor the run holds. */
  dispose(): void {
    const r = this.run;
    tf.dispose([
      ...Object.values(r.gParams),
      ...Object.values(r.gState),
      ...Object.values(r.dParams),
      ...Object.values(r.dState),
    ]);
    disposeOptState(r.optG);
    disposeOptState(r.optD);
  }
}

/** Disposes the tensors of `old` that `next` no longer holds. */
function disposeReplaced(old: TensorMap, next: TensorMap): void {
  const live = new Set(Object.values(next));
  for (const t of Object.values(old)) if (!live.has(t)) t.dispose();
}

function disposeOptReplaced(old: OptState, next: OptState): void {
  for (const [slot, m] of Object.entries(old.slots)) {
    disposeReplaced(m, next.slots[slot] ?? {});
  }
}
