/**
 * `modescope train`: trains one GAN and writes its run directory.
 */
import * as path from 'node:path';
import type { Command, CliIO, ParsedArgs } from '../framework.js';
import { initRuntime, type RuntimeInfo } from '../../runtime/tf.js';
import { PRESETS } from '../../gan/presets.js';
import { resolveRun } from '../../gan/resolve.js';
import { trainRun, type MetricsRow, type RunSummary } from '../../gan/run.js';
import { Progress } from '../progress.js';
import { DATASET_NAMES } from '../../data/index.js';

/** Flags of train (and demo) that are not configuration fields. */
const OWN = new Set([
  'data', 'preset', 'steps', 'seed', 'out', 'config', 'resume', 'backend',
  'help', 'json', 'verbose',
]);

export const BACKEND_FLAG = {
  name: 'backend',
  type: 'string' as const,
  meta: 'NAME',
  description:
    'tf.js backend: tensorflow, modescope-native, wasm or cpu ' +
    '(env MODESCOPE_BACKEND; default: the fastest available)',
};

/** Says which backend runs, and why faster ones were skipped. */
export function reportRuntime(io: CliIO, info: RuntimeInfo, verbose: boolean): void {
  const native = info.skipped.find((s) => s.backend === 'modescope-native');
  if (native && info.backend !== 'tensorflow') {
    io.err(
      `note: the native backend is unavailable (${native.reason}); ` +
        `running on ${info.backend}\n`,
    );
  }
  if (verbose) {
    io.err(`backend: ${info.backend}\n`);
    for (const s of info.skipped) io.err(`  skipped ${s.backend}: ${s.reason}\n`);
  }
}

export function describeRow(r: MetricsRow): string {
  const parts = [
    `step ${r.step}`,
    `D ${r.lossD.toFixed(3)}`,
    `G ${r.lossG.toFixed(3)}`,
    `|gD| ${r.gradNormD.toExponential(1)}`,
    `|gG| ${r.gradNormG.toExponential(1)}`,
  ];
  if (r.modes) {
    parts.push(
      `modes ${r.modes.covered}/${r.modes.total}`,
      `HQ ${(r.modes.highQuality * 100).toFixed(1)}%`,
      `KL ${r.modes.kl.toFixed(3)}`,
    );
  }
  return parts.join('  ');
}

export function describeSummary(s: RunSummary): string {
  const lines = [
    `${s.preset} on ${s.data} (seed ${s.seed}): ${s.steps} steps in ` +
      `${s.seconds.toFixed(1)} s on ${s.backend}` +
      (s.diverged ? ' — DIVERGED (NaN or infinite values)' : '') +
      (s.interrupted ? ' — interrupted, resumable with --resume' : ''),
  ];
  if (s.modes) {
    lines.push(
      `  modes covered ${s.modes.covered}/${s.modes.total}, ` +
        `high-quality samples ${(s.modes.highQuality * 100).toFixed(1)}%, ` +
        `mode KL ${s.modes.kl.toFixed(3)}`,
    );
  }
  return lines.join('\n');
}

/** Ctrl-C asks the run to stop after a checkpoint; a second one exits. */
export function interruptFlag(io: CliIO): { requested: boolean; dispose: () => void } {
  const flag = { requested: false, dispose: () => {} };
  const onInt = (): void => {
    if (flag.requested) process.exit(130);
    flag.requested = true;
    io.err('\ninterrupt: saving a checkpoint, then stopping (Ctrl-C again to quit now)\n');
  };
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onInt);
  flag.dispose = () => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onInt);
  };
  return flag;
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'train a GAN with a preset (a remedy or a cause of collapse)',
  usage:
    'Usage: modescope train --data <ring8|grid25|spiral|mnist|stacked-mnist|' +
    'fashion-mnist|FILE> --preset NAME\n' +
    '         [--steps N] [--seed S] [--out DIR] [--config file.json] [--FIELD VALUE ...]\n\n' +
    'Any configuration field (see DIR/config.json) can be set by a flag named\n' +
    'after its dotted path, e.g. --optimizerD.lr 4e-4 --discriminator.hidden\n' +
    '512,512, or by the aliases --lr-g --lr-d --d-steps --g-steps --batch-size\n' +
    '--z-dim --gp --unroll --eval-every --eval-samples --checkpoint-every.\n\n' +
    `Presets: ${PRESETS.map((p) => p.name).join(', ')}\n` +
    '(`modescope presets` describes each with its source.)',
  allowUnknown: true,
  flags: [
    {
      name: 'data',
      type: 'string',
      meta: 'SPEC',
      required: true,
      description: `training data: ${DATASET_NAMES.join(', ')}, or a .npy/.npz/.csv file`,
    },
    {
      name: 'preset',
      type: 'string',
      meta: 'NAME',
      default: 'vanilla',
      description: 'the remedy or cause to train with',
    },
    { name: 'steps', type: 'int', meta: 'N', description: 'generator updates (default: the preset\'s)' },
    { name: 'seed', type: 'int', meta: 'S', default: 0, description: 'random seed' },
    {
      name: 'out',
      type: 'string',
      meta: 'DIR',
      description: 'run directory (default: runs/<data>-<preset>-s<seed>)',
    },
    { name: 'config', type: 'string', meta: 'FILE', description: 'JSON file of configuration fields' },
    {
      name: 'resume',
      type: 'boolean',
      description: 'continue the run in --out from its checkpoint',
    },
    BACKEND_FLAG,
  ],
  async run(args: ParsedArgs, io: CliIO): Promise<number> {
    const f = args.flags;
    const overrides: Record<string, string> = {};
    for (const [k, v] of Object.entries(f)) {
      if (!OWN.has(k) && args.given.has(k)) overrides[k] = String(v);
    }
    if (f.steps !== undefined) overrides.steps = String(f.steps);
    overrides.seed = String(f.seed);
    const info = await initRuntime(f.backend as string | undefined);
    reportRuntime(io, info, Boolean(f.verbose));
    const { cfg, dataset } = await resolveRun({
      data: f.data as string,
      preset: f.preset as string,
      configFile: f.config as string | undefined,
      overrides,
    });
    const out = (f.out as string | undefined) ??
      path.join('runs', `${path.basename(cfg.data).replace(/\.[^.]*$/, '')}-${cfg.preset}-s${cfg.seed}`);
    if (f.verbose) io.err(`config: ${JSON.stringify(cfg)}\n`);
    if (!f.json) {
      io.err(`training ${cfg.preset} on ${dataset.description}, ${cfg.steps} steps -> ${out}\n`);
    }
    const progress = new Progress(io, 'train', cfg.steps);
    const stop = interruptFlag(io);
    let summary: RunSummary;
    try {
      summary = await trainRun(cfg, dataset, out, {
        resume: Boolean(f.resume),
        onProgress: (step) => progress.update(step),
        onEval: (row) => {
          if (!f.json && !io.isTTY) io.err(`  ${describeRow(row)}\n`);
        },
        shouldStop: () => stop.requested,
      });
    } finally {
      stop.dispose();
      progress.finish();
    }
    if (f.json) {
      io.out(`${JSON.stringify(summary, null, 2)}\n`);
    } else {
      io.out(`${describeSummary(summary)}\n  outputs in ${out}/\n`);
    }
    if (summary.interrupted) return 130;
    return summary.diverged ? 3 : 0;
  },
};
