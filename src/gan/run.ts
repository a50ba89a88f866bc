/**
 * A training run on disk: the loop around GanTrainer that evaluates,
 * logs, checkpoints and writes the run's outputs into its directory.
 *
 * Files in the run directory:
 * - `config.json`: the fully resolved configuration;
 * - `metrics.jsonl`: one JSON object per evaluation interval (MetricsRow);
 * - `checkpoint.npz`: the latest checkpoint (see checkpoint.ts);
 * - `samples.npy`: the final generated samples, float32,
 *   `[evalSamples, ...sampleShape]`;
 * - `samples.png`: a scatter over the real density (2-D data) or a grid;
 * - `summary.json`: RunSummary.
 * Every file is written atomically; metrics.jsonl is rewritten whole.
 *
 * The library never prints: progress and evaluations are reported through
 * the callbacks of RunOptions.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tf, runtimeInfo } from '../runtime/tf.js';
import type { Dataset } from '../data/index.js';
import { modeStats, type ModeStats } from '../metrics/modes.js';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic.js';
import { writeNpy } from '../io/npy.js';
import { renderGrid, renderScatter } from '../viz/png.js';
import { mixtureRange } from '../viz/compose.js';
import { UserError } from '../util/errors.js';
import type { TrainConfig } from './config.js';
import { GanTrainer, type StepStats } from './trainer.js';
import {
  CHECKPOINT_FILE,
  loadCheckpoint,
  saveCheckpoint,
} from './checkpoint.js';

export interface ModeSummary {
  covered: number;
  total: number;
  /** Fraction of samples within 3 std of their nearest mode. */
  highQuality: number;
  /** KL(q || uniform) over nearest modes, natural log. */
  kl: number;
}

/** One row of metrics.jsonl. */
export interface MetricsRow {
  step: number;
  seconds: number;
  /** Losses of the last update of each network. */
  lossD: number;
  lossG: number;
  /** Global L2 norms of the last gradients of D's and G's parameters. */
  gradNormD: number;
  gradNormG: number;
  /** Mean raw discriminator output on the last real and fake batches. */
  dReal: number;
  dFake: number;
  /** Toy mode metrics on evalSamples fresh samples (known modes only). */
  modes?: ModeSummary & { counts: number[] };
}

export interface RunSummary {
  data: string;
  preset: string;
  seed: number;
  steps: number;
  seconds: number;
  backend: string;
  /** True when a loss or a sample became NaN or infinite. */
  diverged: boolean;
  /** True when the run stopped early on request (Ctrl-C). */
  interrupted: boolean;
  modes?: ModeSummary;
  final: Omit<MetricsRow, 'modes'>;
  outputs: Record<string, string>;
}

export interface RunOptions {
  /** Continue from DIR/checkpoint.npz if there is one. */
  resume?: boolean;
  /** Called after every round. */
  onProgress?: (step: number, total: number, stats: StepStats) => void;
  /** Called with each metrics row. */
  onEval?: (row: MetricsRow) => void;
  /** Polled after every round; true stops the run after a checkpoint. */
  shouldStop?: () => boolean;
}

function finite(s: StepStats): boolean {
  return [s.lossD, s.lossG, s.dReal, s.dFake].every(Number.isFinite);
}

function readRows(file: string, upTo: number): MetricsRow[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as MetricsRow)
    .filter((r) => r.step <= upTo);
}

/** Configuration fields whose change does not break a resumed run. */
const RESUMABLE = ['steps', 'evalEvery', 'checkpointEvery'] as const;

function sameRun(a: TrainConfig, b: TrainConfig): string | null {
  const strip = (c: TrainConfig): string => {
    const o: Record<string, unknown> = { ...c };
    for (const k of RESUMABLE) delete o[k];
    return JSON.stringify(o);
  };
  if (strip(a) === strip(b)) return null;
  for (const k of Object.keys(a) as (keyof TrainConfig)[]) {
    if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) return k;
  }
  return 'configuration';
}

export async function trainRun(
  cfg: TrainConfig,
  data: Dataset,
  dir: string,
  opts: RunOptions = {},
): Promise<RunSummary> {
  fs.mkdirSync(dir, { recursive: true });
  const ckptFile = path.join(dir, CHECKPOINT_FILE);
  const metricsFile = path.join(dir, 'metrics.jsonl');
  let trainer: GanTrainer;
  let rows: MetricsRow[] = [];
  let secondsBefore = 0;
  if (opts.resume && fs.existsSync(ckptFile)) {
    const ck = loadCheckpoint(ckptFile);
    const diff = sameRun(ck.config as TrainConfig, cfg);
    if (diff !== null) {
      throw new UserError(
        `modescope train: --resume needs the configuration of the run in ` +
          `${dir}, but "${diff}" differs`,
        'only steps, evalEvery and checkpointEvery may change on resume',
      );
    }
    trainer = new GanTrainer(cfg, data, ck.run);
    rows = readRows(metricsFile, ck.run.step);
    secondsBefore = rows.length ? rows[rows.length - 1]!.seconds : 0;
  } else {
    trainer = new GanTrainer(cfg, data);
    if (fs.existsSync(metricsFile)) fs.rmSync(metricsFile);
  }
  writeJsonAtomic(path.join(dir, 'config.json'), cfg);
  const writeRows = (): void =>
    writeFileAtomic(metricsFile, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');

  const t0 = performance.now();
  const seconds = (): number =>
    secondsBefore + (performance.now() - t0) / 1000;
  let last: StepStats = { lossD: NaN, lossG: NaN, dReal: NaN, dFake: NaN };
  let diverged = false;
  let interrupted = false;
  let lastYield = performance.now();

  /** The training statistics of the moment, without mode metrics. */
  const currentRow = (): MetricsRow => ({
    step: trainer.run.step,
    seconds: Number(seconds().toFixed(3)),
    lossD: last.lossD,
    lossG: last.lossG,
    gradNormD: trainer.gradNorms.d,
    gradNormG: trainer.gradNorms.g,
    dReal: last.dReal,
    dFake: last.dFake,
  });

  const evaluate = (): MetricsRow => {
    const row: MetricsRow = currentRow();
    if (data.mixture) {
      const s = trainer.sample(cfg.evalSamples);
      if (s.every(Number.isFinite)) {
        const m = modeStats(s, data.mixture);
        row.modes = pickModes(m, true);
      } else {
        diverged = true;
      }
    }
    return row;
  };

  while (trainer.run.step < cfg.steps) {
    const before = trainer.run.step;
    // Gradient norms cost a few ops and a read-back: measure them only in
    // the round that ends an evaluation interval.
    const nextEval = Math.ceil((before + 1) / cfg.evalEvery) * cfg.evalEvery;
    trainer.measureNorms =
      before + cfg.gSteps >= nextEval || before + cfg.gSteps >= cfg.steps;
    last = trainer.round();
    const step = trainer.run.step;
    opts.onProgress?.(step, cfg.steps, last);
    if (!finite(last)) {
      diverged = true;
      break;
    }
    const crossed = (every: number): boolean =>
      Math.floor(step / every) > Math.floor(before / every);
    if (crossed(cfg.evalEvery) || step >= cfg.steps) {
      const row = evaluate();
      rows.push(row);
      writeRows();
      opts.onEval?.(row);
      if (diverged) break;
    }
    if (crossed(cfg.checkpointEvery) || step >= cfg.steps) {
      saveCheckpoint(ckptFile, trainer.run, cfg);
    }
    // The loop is synchronous work; yielding to the event loop now and
    // then lets signal handlers (Ctrl-C) run and request a stop.
    if (performance.now() - lastYield > 50) {
      await new Promise((r) => setImmediate(r));
      lastYield = performance.now();
    }
    if (opts.shouldStop?.()) {
      saveCheckpoint(ckptFile, trainer.run, cfg);
      interrupted = true;
      break;
    }
  }

  // Final outputs: the samples and their picture.
  const outputs: Record<string, string> = {
    config: path.join(dir, 'config.json'),
    metrics: metricsFile,
    checkpoint: ckptFile,
  };
  const samples = trainer.sample(cfg.evalSamples);
  const n = cfg.evalSamples;
  const shape = [n, ...data.sampleShape];
  writeNpy(path.join(dir, 'samples.npy'), shape, samples);
  outputs.samples = path.join(dir, 'samples.npy');
  const ok = samples.every(Number.isFinite);
  if (!ok) diverged = true;
  let modes: ModeSummary | undefined;
  if (data.mixture && ok) {
    modes = pickModes(modeStats(samples, data.mixture), false);
  }
  if (ok) {
    const png = path.join(dir, 'samples.png');
    if (data.sampleShape.length === 1 && data.sampleShape[0] === 2) {
      renderScatter(png, {
        samples,
        mixture: data.mixture,
        ...(data.mixture ? { range: mixtureRange(data.mixture) } : {}),
        real: data.mixture ? undefined : data.sample(trainer.run.streams.eval, 2500),
      });
      outputs.png = png;
    } else if (data.sampleShape.length === 3) {
      const k = Math.min(n, 64);
      renderGrid(png, {
        images: samples.subarray(0, k * data.sampleShape.reduce((a, b) => a * b, 1)),
        shape: [k, ...data.sampleShape] as [number, number, number, number],
      });
      outputs.png = png;
    }
  }
  const last_row = rows[rows.length - 1];
  const summary: RunSummary = {
    data: cfg.data,
    preset: cfg.preset,
    seed: cfg.seed,
    steps: trainer.run.step,
    seconds: Number(seconds().toFixed(3)),
    backend: runtimeInfo()?.backend ?? tf.getBackend(),
    diverged,
    interrupted,
    ...(modes ? { modes } : {}),
    final: withoutModes(last_row ?? currentRow()),
    outputs,
  };
  writeJsonAtomic(path.join(dir, 'summary.json'), summary);
  outputs.summary = path.join(dir, 'summary.json');
  trainer.dispose();
  return summary;
}

function withoutModes(r: MetricsRow): Omit<MetricsRow, 'modes'> {
  const { modes: _, ...rest } = r;
  return rest;
}

function pickModes(
  m: ModeStats,
  withCounts: boolean,
): ModeSummary & { counts: number[] } {
  const base: ModeSummary = {
    covered: m.covered,
    total: m.total,
    highQuality: m.highQuality,
    kl: m.kl,
  };
  return withCounts
    ? { ...base, counts: Array.from(m.counts) }
    : (base as ModeSummary & { counts: number[] });
}
