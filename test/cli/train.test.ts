// `modescope train`, `demo` and `presets` through the CLI entry point:
// outputs, --json, and the exact messages of user errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { run } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/framework.js';

function capture(): CliIO & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    isTTY: false,
    out: (t: string) => { io.stdout += t; },
    err: (t: string) => { io.stderr += t; },
  };
  return io;
}

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'modescope-cli-'));
const SMALL = ['--batch-size', '32', '--eval-samples', '100', '--generator.hidden', '16,16',
  '--discriminator.hidden', '16,16'];

test('train --json on ring8 prints the summary and writes the run directory', async () => {
  const dir = tmp();
  const io = capture();
  const code = await run(['train', '--data', 'ring8', '--preset', 'wgan-gp', '--steps', '4',
    '--seed', '3', '--out', dir, '--eval-every', '2', '--json', ...SMALL], io);
  assert.equal(code, 0, io.stderr);
  const s = JSON.parse(io.stdout);
  assert.equal(s.steps, 4);
  assert.equal(s.seed, 3);
  assert.deepEqual(Object.keys(s.modes).sort(), ['covered', 'highQuality', 'kl', 'total']);
  assert.equal(typeof s.seconds, 'number');
  const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  assert.equal(cfg.preset, 'wgan-gp');
  assert.equal(cfg.gradientPenalty, 0.1);
  assert.deepEqual(cfg.generator.hidden, [16, 16]);
  const npy = fs.readFileSync(path.join(dir, 'samples.npy'));
  assert.match(npy.subarray(0, 80).toString('latin1'), /'descr': '<f4'.*'shape': \(100, 2\)/);
});

test('train --config file.json sets fields; flags override the file', async () => {
  const dir = tmp();
  const file = path.join(dir, 'c.json');
  fs.writeFileSync(file, JSON.stringify({ loss: 'hinge', dSteps: 2, optimizerD: { lr: 5e-4 } }));
  const io = capture();
  const code = await run(['train', '--data', 'grid25', '--steps', '1', '--out', dir,
    '--config', file, '--d-steps', '3', ...SMALL], io);
  assert.equal(code, 0, io.stderr);
  const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  assert.equal(cfg.loss, 'hinge');
  assert.equal(cfg.dSteps, 3);
  assert.equal(cfg.optimizerD.lr, 5e-4);
  assert.equal(cfg.optimizerD.kind, 'adam');
});

test('cause-low-diversity keeps 5 of the 25 grid modes in the data', async () => {
  const dir = tmp();
  const io = capture();
  await run(['train', '--data', 'grid25', '--preset', 'cause-low-diversity', '--steps', '1',
    '--out', dir, ...SMALL], io);
  const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  assert.equal(cfg.drop.length, 20);
  assert.ok(!cfg.drop.includes(12));
});

const ERRORS: [string[], string][] = [
  [['train', '--data', 'ring9'],
    'error: --data must be one of ring8, grid25, spiral, mnist, fashion-mnist, stacked-mnist ' +
    'or a .npy/.npz/.csv file, but got "ring9"\n'],
  [['train', '--data', 'ring8', '--preset', 'foo'],
    'error: modescope train: --preset must be one of vanilla, ns, lsgan, wgan, wgan-gp, sngan, ' +
    'mbd, unrolled, pacgan, ttur, r1, hinge, cause-lr-imbalance, cause-strong-d, ' +
    'cause-low-diversity, but got "foo"\n'],
  [['train', '--data', 'ring8', '--steps', 'abc'],
    'error: modescope train: --steps must be an integer, but got "abc"\n'],
  [['train', '--data', 'ring8', '--optimizerD.lr', 'fast'],
    'error: modescope train: --optimizerD.lr must be a number, but got "fast"\n'],
  [['train', '--data', 'ring8', '--lr-x', '3'],
    'error: modescope train: unknown flag "--lr-x" (no configuration field "lr-x")\n' +
    '  hint: see `modescope train --help` and the fields of config.json\n'],
  [['train', '--data', 'ring8', '--preset', 'pacgan', '--batch-size', '30'],
    'error: modescope train: batchSize must be a multiple of pack (4), but got 30\n'],
  [['train'], 'error: modescope train: --data is required\n  hint: see `modescope train --help`\n'],
  [['train', '--data', 'ring8', '--backend', 'gpu'],
    'error: --backend must be one of tensorflow, modescope-native, wasm, cpu, but got "gpu"\n'],
  [['demo', '--remedy', 'cause-strong-d'],
    'error: modescope demo: --remedy must be a remedy preset (ns, lsgan, wgan, wgan-gp, sngan, ' +
    'mbd, unrolled, pacgan, ttur, r1, hinge), but got "cause-strong-d"\n'],
  [['frobnicate'],
    'error: unknown command "frobnicate"\n  hint: the commands are demo, train, eval, presets\n'],
];
for (const [argv, message] of ERRORS) {
  test(`${argv.join(' ')} -> exit 2 with a one-line error, no stack`, async () => {
    const io = capture();
    const code = await run(argv, io);
    assert.equal(code, 2);
    assert.equal(io.stderr, message);
  });
}

test('every command has --help, generated from its flags', async () => {
  for (const cmd of ['demo', 'train', 'eval', 'presets']) {
    const io = capture();
    assert.equal(await run([cmd, '--help'], io), 0);
    assert.match(io.stdout, new RegExp(`^modescope ${cmd}: `));
    assert.match(io.stdout, /--json/);
  }
});

test('demo --steps 30 trains both presets and writes compare.png', async () => {
  const dir = tmp();
  const io = capture();
  const code = await run(['demo', '--steps', '30', '--out', dir], io);
  assert.equal(code, 0, io.stderr);
  assert.match(io.stdout, /preset +modes +high quality +mode KL +seconds/);
  assert.match(io.stdout, /^vanilla /m);
  assert.ok(fs.existsSync(path.join(dir, 'compare.png')));
  assert.ok(fs.existsSync(path.join(dir, 'vanilla', 'summary.json')));
});

test('presets --json lists every preset with its source', async () => {
  const io = capture();
  assert.equal(await run(['presets', '--json'], io), 0);
  const list = JSON.parse(io.stdout) as { name: string; source: string }[];
  assert.equal(list.length, 15);
  for (const p of list) assert.ok(p.source.length > 10, `${p.name} lacks a source`);
});

test('Ctrl-C (SIGINT) mid-run saves a resumable checkpoint and exits 130', async () => {
  const { spawn } = await import('node:child_process');
  const dir = tmp();
  const bin = new URL('../../../bin/modescope.js', import.meta.url).pathname;
  const child = spawn(process.execPath, [bin, 'train', '--data', 'ring8', '--steps', '1000000',
    '--out', dir, ...SMALL], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  const started = new Promise<void>((resolve) => {
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('train: ')) resolve();
    });
  });
  await started;
  child.kill('SIGINT');
  const code = await new Promise<number | null>((r) => child.on('close', r));
  assert.equal(code, 130, err);
  const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
  assert.equal(summary.interrupted, true);
  assert.ok(fs.existsSync(path.join(dir, 'checkpoint.npz')));
  const io = capture();
  const resumed = await run(['train', '--data', 'ring8', '--steps', String(summary.steps + 2),
    '--out', dir, '--resume', '--json', ...SMALL], io);
  assert.equal(resumed, 0, io.stderr);
  assert.equal(JSON.parse(io.stdout).steps, summary.steps + 2);
});
