/**
 * `modescope demo`: the README's main job. Trains the vanilla GAN and one
 * remedy on a toy mixture with the same networks, seed and budget, shows
 * the first collapsing and the second covering the modes, in numbers and
 * in one side-by-side picture, and says where everything is.
 */
import * as path from 'node:path';
import type { Command, CliIO, ParsedArgs } from '../framework.js';
import { initRuntime } from '../../runtime/tf.js';
import { getPreset } from '../../gan/presets.js';
import { resolveRun } from '../../gan/resolve.js';
import { trainRun, type RunSummary } from '../../gan/run.js';
import { sideBySide } from '../../viz/compose.js';
import { UserError } from '../../util/errors.js';
import { Progress } from '../progress.js';
import { BACKEND_FLAG, interruptFlag, reportRuntime } from './train.js';

/**
 * The demo's defaults: grid25 at the default toy budget (5000 steps),
 * about half a minute on 2 cores with the native backend. Seed 0 is the
 * one of the bench:toy table (docs/experiments.md) where the vanilla GAN
 * drops the most modes and hinge recovers the most: 18 and 24 of 25
 * (seeds 0-2: vanilla 18, 20, 22; hinge 24, 23, 21).
 */
export const DEMO_DEFAULTS = {
  data: 'grid25',
  baseline: 'vanilla',
  remedy: 'hinge',
  steps: 5000,
  seed: 0,
  out: 'runs/demo',
};

export const demoCommand: Command = {
  name: 'demo',
  summary: 'watch a vanilla GAN collapse and a remedy cover the modes',
  usage:
    'Trains the vanilla GAN and a remedy on the same toy mixture with the\n' +
    'same networks, seed and budget, then compares their mode coverage.',
  flags: [
    { name: 'data', type: 'string', meta: 'NAME', default: DEMO_DEFAULTS.data,
      choices: ['ring8', 'grid25', 'spiral'], description: 'toy mixture' },
    { name: 'remedy', type: 'string', meta: 'PRESET', default: DEMO_DEFAULTS.remedy,
      description: 'the remedy preset to compare with vanilla' },
    { name: 'steps', type: 'int', meta: 'N', default: DEMO_DEFAULTS.steps,
      description: 'generator updates of each run' },
    { name: 'seed', type: 'int', meta: 'S', default: DEMO_DEFAULTS.seed, description: 'random seed' },
    { name: 'out', type: 'string', meta: 'DIR', default: DEMO_DEFAULTS.out,
      description: 'output directory' },
    BACKEND_FLAG,
  ],
  async run(args: ParsedArgs, io: CliIO): Promise<number> {
    const f = args.flags;
    const remedy = f.remedy as string;
    const p = getPreset(remedy);
    if (!p || p.role !== 'remedy') {
      throw new UserError(
        `modescope demo: --remedy must be a remedy preset (ns, lsgan, wgan, ` +
          `wgan-gp, sngan, mbd, unrolled, pacgan, ttur, r1, hinge), but got "${remedy}"`,
      );
    }
    const steps = f.steps as number;
    if (steps < 1) {
      throw new UserError(`modescope demo: --steps must be >= 1, but got ${steps}`);
    }
    const info = await initRuntime(f.backend as string | undefined);
    reportRuntime(io, info, Boolean(f.verbose));
    const out = f.out as string;
    const data = f.data as string;
    const summaries: RunSummary[] = [];
    const stop = interruptFlag(io);
    try {
      for (const preset of [DEMO_DEFAULTS.baseline, remedy]) {
        const { cfg, dataset } = await resolveRun({
          data,
          preset,
          overrides: { steps: String(steps), seed: String(f.seed) },
        });
        if (!f.json) {
          io.err(`\n${preset}: ${getPreset(preset)!.summary}\n`);
        }
        const progress = new Progress(io, preset, cfg.steps);
        try {
          summaries.push(
            await trainRun(cfg, dataset, path.join(out, preset), {
              onProgress: (s) => progress.update(s),
              shouldStop: () => stop.requested,
            }),
          );
        } finally {
          progress.finish();
        }
        if (stop.requested) break;
      }
    } finally {
      stop.dispose();
    }
    const pictures = summaries
      .map((s) => s.outputs.png)
      .filter((x): x is string => x !== undefined);
    const compare = path.join(out, 'compare.png');
    if (pictures.length === 2) sideBySide(pictures, compare);
    const [base, fix] = summaries;
    if (f.json) {
      io.out(`${JSON.stringify({
        data,
        steps,
        seed: f.seed,
        runs: summaries,
        compare: pictures.length === 2 ? compare : null,
      }, null, 2)}\n`);
      return stop.requested ? 130 : 0;
    }
    io.out(`\n${table(summaries)}\n`);
    if (base?.modes && fix?.modes) {
      const t = base.modes.total;
      io.out(
        `\n${base.preset} covers ${base.modes.covered} of ${t} modes ` +
          `(mode KL ${base.modes.kl.toFixed(2)}); ${fix.preset} covers ` +
          `${fix.modes.covered} of ${t} (mode KL ${fix.modes.kl.toFixed(2)}).\n` +
          verdictLine(base, fix),
      );
    }
    io.out(
      `\nPictures: ${compare} (left: ${DEMO_DEFAULTS.baseline}, right: ${remedy};` +
        ` orange dots are generated samples, blue rings the real modes)\n` +
        `Each run's config.json, metrics.jsonl, samples.npy, samples.png, ` +
        `summary.json and checkpoint are in ${out}/<preset>/.\n` +
        `Next: modescope train --data ${data} --preset <name> ` +
        `(modescope presets lists them).\n`,
    );
    return stop.requested ? 130 : 0;
  },
};

function verdictLine(base: RunSummary, fix: RunSummary): string {
  const b = base.modes!;
  const r = fix.modes!;
  if (r.covered > b.covered) {
    return `The remedy recovered ${r.covered - b.covered} mode(s) that the ` +
      `vanilla GAN dropped.\n`;
  }
  return `With this seed and budget the remedy did not cover more modes; ` +
    `try more --steps or another --remedy.\n`;
}

/** A fixed-width table of the runs' mode metrics. */
export function table(rows: RunSummary[]): string {
  const head = ['preset', 'modes', 'high quality', 'mode KL', 'seconds'];
  const body = rows.map((s) => [
    s.preset + (s.diverged ? ' (diverged)' : ''),
    s.modes ? `${s.modes.covered}/${s.modes.total}` : '-',
    s.modes ? `${(s.modes.highQuality * 100).toFixed(1)}%` : '-',
    s.modes ? s.modes.kl.toFixed(3) : '-',
    s.seconds.toFixed(1),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (r: string[]): string =>
    r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  return [line(head), line(w.map((n) => '-'.repeat(n))), ...body.map(line)].join('\n');
}
