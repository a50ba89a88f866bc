// Training runs end to end: every preset on every data kind without NaN,
// bit-identical runs for one seed, and exact resumption from a checkpoint.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initRuntime } from '../../src/runtime/tf.js';
import { PRESETS } from '../../src/gan/presets.js';
import { resolveRun } from '../../src/gan/resolve.js';
import { GanTrainer } from '../../src/gan/trainer.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/gan/checkpoint.js';
import { trainRun } from '../../src/gan/run.js';

before(async () => {
  await initRuntime();
});

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'modescope-test-'));
}

/** Small but complete settings, so every code path runs in milliseconds. */
const SMALL: Record<string, string> = {
  'batch-size': '32',
  'eval-samples': '64',
  'generator.hidden': '16,16',
  'discriminator.hidden': '16,16',
};

async function small(data: string, preset: string, extra: Record<string, string> = {}) {
  const image = !['ring8', 'grid25', 'spiral'].includes(data);
  const overrides: Record<string, string> = image
    ? { 'batch-size': '8', 'eval-samples': '8', 'generator.width': '4',
        'discriminator.width': '4', 'z-dim': '8', ...extra }
    : { ...SMALL, ...extra };
  if (preset === 'mbd') {
    overrides['discriminator.minibatch'] = '{"kernels":4,"kernelDim":3}';
  }
  if (preset === 'cause-strong-d') {
    if (image) overrides['discriminator.width'] = '8';
    else overrides['discriminator.hidden'] = '32,32';
  }
  return resolveRun({ data, preset, overrides });
}

for (const data of ['ring8', 'grid25', 'mnist']) {
  test(`every preset trains 2 rounds on ${data} without NaN`, async () => {
    for (const p of PRESETS) {
      const { cfg, dataset } = await small(data, p.name);
      const t = new GanTrainer(cfg, dataset);
      for (let i = 0; i < 2; i++) {
        const s = t.round();
        for (const [k, v] of Object.entries(s)) {
          assert.ok(Number.isFinite(v), `${p.name} on ${data}: ${k} = ${v} at round ${i}`);
        }
      }
      const x = t.sample(8);
      assert.ok(x.every(Number.isFinite), `${p.name} on ${data}: samples not finite`);
      t.dispose();
    }
  });
}

test('same seed, same backend -> bit-identical parameters after 5 rounds (wgan-gp, ring8)', async () => {
  const runs = [];
  for (let r = 0; r < 2; r++) {
    const { cfg, dataset } = await small('ring8', 'wgan-gp');
    const t = new GanTrainer(cfg, dataset);
    for (let i = 0; i < 5; i++) t.round();
    runs.push(Object.fromEntries(
      Object.entries(t.run.gParams).map(([k, v]) => [k, Array.from(v.dataSync())]),
    ));
    t.dispose();
  }
  assert.deepEqual(runs[0], runs[1]);
});

for (const preset of ['vanilla', 'mbd']) {
  test(`same seed on 1 and 2 kernel threads -> bit-identical parameters ` +
    `(${preset}, grid25, full-size MLPs)`, async (t) => {
    const { nativeAddon } = await import('../../src/backend/native/index.js');
    const { tf } = await import('../../src/runtime/tf.js');
    const addon = nativeAddon();
    if (!addon || tf.getBackend() !== 'modescope-native') {
      t.skip('the native backend is not in use');
      return;
    }
    const before = addon.numThreads();
    const runs = [];
    try {
      for (const threads of [1, 2]) {
        addon.setNumThreads(threads);
        // The default toy networks and batch (3x128, batch 256): large enough
        // that the fused MLP passes split rows and weight gradients into
        // blocks.
        const { cfg, dataset } = await resolveRun({
          data: 'grid25', preset, overrides: { 'eval-samples': '64' },
        });
        const tr = new GanTrainer(cfg, dataset);
        for (let i = 0; i < 3; i++) tr.round();
        runs.push(Object.fromEntries(
          Object.entries(tr.run.dParams).map(([k, v]) => [k, Array.from(v.dataSync())]),
        ));
        tr.dispose();
      }
    } finally {
      addon.setNumThreads(before);
    }
    assert.deepEqual(runs[0], runs[1]);
  });
}

test('different seeds -> different parameters', async () => {
  const out = [];
  for (const seed of ['1', '2']) {
    const { cfg, dataset } = await small('ring8', 'ns', { seed });
    const t = new GanTrainer(cfg, dataset);
    t.round();
    out.push(Array.from(t.run.gParams['out/w']!.dataSync()));
    t.dispose();
  }
  assert.notDeepEqual(out[0], out[1]);
});

for (const preset of ['sngan', 'mbd', 'unrolled']) {
  test(`resume from a checkpoint continues exactly (${preset}, ring8, 3 + 3 rounds == 6)`, async () => {
    const { cfg, dataset } = await small('ring8', preset);
    const straight = new GanTrainer(cfg, dataset);
    for (let i = 0; i < 6; i++) straight.round();
    const file = path.join(tmp(), 'checkpoint.npz');
    const first = new GanTrainer(cfg, dataset);
    for (let i = 0; i < 3; i++) first.round();
    saveCheckpoint(file, first.run, cfg);
    first.dispose();
    const ck = loadCheckpoint(file);
    const resumed = new GanTrainer(cfg, dataset, ck.run);
    for (let i = 0; i < 3; i++) resumed.round();
    for (const part of ['gParams', 'dParams', 'dState'] as const) {
      for (const [k, v] of Object.entries(straight.run[part])) {
        assert.deepEqual(
          Array.from(resumed.run[part][k]!.dataSync()),
          Array.from(v.dataSync()),
          `${part}.${k} differs after resuming`,
        );
      }
    }
    assert.equal(resumed.run.step, straight.run.step);
    straight.dispose();
    resumed.dispose();
  });
}

test('trainRun writes config, metrics, samples, summary and checkpoint; --resume extends', async () => {
  const dir = tmp();
  const { cfg, dataset } = await small('ring8', 'ns', {
    steps: '6', 'eval-every': '3', 'checkpoint-every': '3',
  });
  const s = await trainRun(cfg, dataset, dir);
  for (const f of ['config.json', 'metrics.jsonl', 'samples.npy', 'samples.png',
    'summary.json', 'checkpoint.npz']) {
    assert.ok(fs.existsSync(path.join(dir, f)), `${f} missing`);
  }
  const rows = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(rows.map((r) => r.step), [3, 6]);
  for (const k of ['lossD', 'lossG', 'gradNormD', 'gradNormG', 'dReal', 'dFake', 'modes']) {
    assert.ok(k in rows[0], `metrics row lacks ${k}`);
  }
  assert.deepEqual(Object.keys(s.modes!).sort(), ['covered', 'highQuality', 'kl', 'total']);
  assert.equal(s.modes!.total, 8);
  assert.equal(s.steps, 6);
  const longer = { ...cfg, steps: 9 };
  const s2 = await trainRun(longer, dataset, dir, { resume: true });
  assert.equal(s2.steps, 9);
  const rows2 = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(rows2.map((r) => r.step), [3, 6, 9]);
});

test('shouldStop saves a checkpoint and marks the run interrupted', async () => {
  const dir = tmp();
  const { cfg, dataset } = await small('ring8', 'ns', { steps: '50' });
  let calls = 0;
  const s = await trainRun(cfg, dataset, dir, { shouldStop: () => ++calls >= 2 });
  assert.equal(s.interrupted, true);
  assert.equal(s.steps, 2);
  assert.equal(loadCheckpoint(path.join(dir, 'checkpoint.npz')).run.step, 2);
});

test('resume with a changed configuration is refused, naming the field', async () => {
  const dir = tmp();
  const { cfg, dataset } = await small('ring8', 'ns', { steps: '2' });
  await trainRun(cfg, dataset, dir);
  await assert.rejects(
    trainRun({ ...cfg, batchSize: 64 }, dataset, dir, { resume: true }),
    {
      message: `modescope train: --resume needs the configuration of the run in ${dir}, ` +
        'but "batchSize" differs\n  hint: only steps, evalEvery and checkpointEvery may change on resume',
    },
  );
});
