/**
 * The toy-mixture experiment: every preset, several seeds, the documented
 * default budget, the same networks for all. Prints the mode coverage
 * table (mean and standard deviation over seeds) and writes it as JSON.
 *
 *   npm run bench:toy -- [--data grid25] [--seeds 0,1,2] [--steps N]
 *                        [--presets a,b] [--jobs 2] [--json]
 *                        [-- <flags for every modescope train>]
 *
 * Each run is a `modescope train` child process; `--jobs` run at once.
 * Run directories go to bench/out/toy/<data>/<preset>-s<seed>/.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PRESETS } from '../../src/gan/presets.js';
import type { RunSummary } from '../../src/gan/run.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : def;
}

const data = arg('data', 'grid25');
const seeds = arg('seeds', '0,1,2').split(',').map(Number);
const steps = arg('steps', '');
const jobs = Number(arg('jobs', '2'));
const presets = arg('presets', PRESETS.map((p) => p.name).join(',')).split(',');
const json = process.argv.includes('--json');
// Flags after `--` go to every `modescope train` (e.g. -- --lr-g 1e-3).
const dash = process.argv.indexOf('--');
const extra = dash >= 0 ? process.argv.slice(dash + 1) : [];
const outDir = path.join(root, 'bench', 'out', 'toy', data);

interface Job {
  preset: string;
  seed: number;
}

function runOne(job: Job): Promise<RunSummary> {
  const dir = path.join(outDir, `${job.preset}-s${job.seed}`);
  const args = [
    path.join(root, 'bin', 'modescope.js'), 'train', '--data', data,
    '--preset', job.preset, '--seed', String(job.seed), '--out', dir, '--json',
    ...(steps ? ['--steps', steps] : []),
    ...extra,
  ];
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => {
      try {
        resolve(JSON.parse(out) as RunSummary);
      } catch {
        reject(new Error(`${job.preset} seed ${job.seed} failed (${code}): ${err.slice(-500)}`));
      }
    });
  });
}

const queue: Job[] = presets.flatMap((preset) => seeds.map((seed) => ({ preset, seed })));
const results: { job: Job; summary: RunSummary }[] = [];
const t0 = performance.now();
let next = 0;
async function worker(): Promise<void> {
  while (next < queue.length) {
    const job = queue[next++]!;
    const summary = await runOne(job);
    results.push({ job, summary });
    const m = summary.modes;
    process.stderr.write(
      `[${results.length}/${queue.length}] ${job.preset} seed ${job.seed}: ` +
        `${m ? `${m.covered}/${m.total} modes, HQ ${(m.highQuality * 100).toFixed(1)}%, KL ${m.kl.toFixed(3)}` : '-'}` +
        `${summary.diverged ? ' (diverged)' : ''}, ${summary.seconds.toFixed(0)} s\n`,
    );
  }
}
await Promise.all(Array.from({ length: jobs }, worker));

const stat = (xs: number[]): { mean: number; std: number } => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length - 1);
  return { mean, std: Math.sqrt(v) };
};
const rows = presets.map((preset) => {
  const rs = results.filter((r) => r.job.preset === preset).map((r) => r.summary);
  const modes = rs.map((s) => s.modes!);
  return {
    preset,
    role: PRESETS.find((p) => p.name === preset)?.role ?? '?',
    steps: rs[0]?.steps ?? 0,
    covered: stat(modes.map((m) => m.covered)),
    highQuality: stat(modes.map((m) => m.highQuality)),
    kl: stat(modes.map((m) => m.kl)),
    seconds: stat(rs.map((s) => s.seconds)),
    diverged: rs.filter((s) => s.diverged).length,
    perSeed: rs.map((s) => ({ seed: s.seed, ...s.modes })),
  };
});
const report = {
  data,
  seeds,
  total: results[0]?.summary.modes?.total,
  wallSeconds: (performance.now() - t0) / 1000,
  rows,
};
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, 'report.json'), JSON.stringify(report, null, 2));
if (json) {
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} else {
  const base = rows.find((r) => r.preset === 'vanilla');
  const fmt = (s: { mean: number; std: number }, d = 1): string =>
    `${s.mean.toFixed(d)} ± ${s.std.toFixed(d)}`;
  const lines = [
    `${data}: ${seeds.length} seeds, ${rows[0]?.steps} generator steps, ` +
      `2500 samples (modes of ${report.total})`,
    '',
    '| preset | role | modes covered | high quality % | mode KL | vs vanilla | s/run |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.preset} | ${r.role} | ${fmt(r.covered)} | ` +
      `${fmt({ mean: r.highQuality.mean * 100, std: r.highQuality.std * 100 })} | ` +
      `${fmt(r.kl, 3)} | ${base ? (r.covered.mean - base.covered.mean >= 0 ? '+' : '') +
        (r.covered.mean - base.covered.mean).toFixed(1) : '-'} | ` +
      `${r.seconds.mean.toFixed(0)}${r.diverged ? ` (${r.diverged} diverged)` : ''} |`),
    '',
    `wall time ${(report.wallSeconds / 60).toFixed(1)} min; report: ${path.relative(root, path.join(outDir, 'report.json'))}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
