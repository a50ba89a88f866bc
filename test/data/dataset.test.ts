// loadDataset: every named data set, user files, and the pinned errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadDataset } from '../../src/data/index.js';
import { writeNpy, writeNpz } from '../../src/io/npy.js';
import { Rng } from '../../src/util/rng.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modescope-data-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

const LIST = 'ring8, grid25, spiral, mnist, fashion-mnist, stacked-mnist';

test('loadDataset ring8 [256,2]: full reference, train weights', async () => {
  const d = await loadDataset('ring8', { drop: [1] });
  assert.deepEqual(d.sampleShape, [2]);
  assert.equal(d.size, Infinity);
  assert.equal(d.mixture!.weights[1], 1 / 8, 'reference keeps mode 1');
  assert.equal(d.trainMixture!.weights[1], 0);
  assert.equal(d.sample(new Rng(1), 256).length, 512);
  assert.equal(d.description,
    'ring8: 8 Gaussians on a circle of radius 2, std 0.02 ' +
    '(modes 1 dropped from training)');
});

test('loadDataset mnist [64,28,28,1] in [-1,1]; drop removes classes',
  async () => {
    const d = await loadDataset('mnist', { drop: [0, 1, 2, 3, 4, 5, 6, 7],
      limit: 5000 });
    assert.deepEqual(d.sampleShape, [28, 28, 1]);
    assert.equal(d.size, 5000);
    const { x, labels } = d.sampleLabeled!(new Rng(2), 64);
    assert.equal(x.length, 64 * 784);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of x) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    assert.equal(lo, -1);
    assert.equal(hi, 1);
    assert.ok(labels.every((l) => l === 8 || l === 9),
      `labels ${Array.from(labels)}`);
  });

test('loadDataset stacked-mnist [8,28,28,3] with modes 0..999', async () => {
  const d = await loadDataset('stacked-mnist', { limit: 2000 });
  assert.equal(d.stackedMnist, true);
  assert.deepEqual(d.sampleShape, [28, 28, 3]);
  assert.equal(d.size, 2000);
  const { x, labels } = d.sampleLabeled!(new Rng(3), 8);
  assert.equal(x.length, 8 * 784 * 3);
  assert.ok(labels.every((l) => l >= 0 && l < 1000));
  // Same seed, same draws.
  const again = d.sample(new Rng(3), 8);
  assert.deepEqual(Array.from(again), Array.from(x));
});

test('loadDataset .npy [5,3] vectors kept as is', async () => {
  const f = path.join(dir, 'v.npy');
  writeNpy(f, [5, 3], Float32Array.from([...Array(15).keys()].map((i) =>
    i * 10)));
  const d = await loadDataset(f);
  assert.deepEqual(d.sampleShape, [3]);
  assert.equal(d.size, 5);
  const x = d.sample(new Rng(4), 4);
  for (let i = 0; i < 4; i++) {
    const row = x[3 * i]! / 30;
    assert.deepEqual(Array.from(x.subarray(3 * i, 3 * i + 3)),
      [30 * row, 30 * row + 10, 30 * row + 20]);
  }
});

test('loadDataset .npz uint8 [2,4,4] images -> [4,4,1] in [-1,1]', async () => {
  const f = path.join(dir, 'im.npz');
  const img = new Uint8Array(32);
  img[0] = 255;
  img[1] = 51;
  writeNpz(f, { other: { shape: [1], data: Int32Array.of(1) },
    imgs: { shape: [2, 4, 4], data: img } });
  const d = await loadDataset(f, { array: 'imgs' });
  assert.deepEqual(d.sampleShape, [4, 4, 1]);
  assert.equal(d.size, 2);
  // Draw until image 0 comes up; its first pixels are 1 and 51/127.5 - 1.
  const x = d.sample(new Rng(5), 16);
  const first = [...Array(16).keys()].find((i) => x[16 * i] === 1);
  assert.ok(first !== undefined, 'image 0 drawn');
  assert.ok(Math.abs(x[16 * first + 1]! - (51 / 127.5 - 1)) < 1e-7);
  await assert.rejects(loadDataset(f, { array: 'nope' }), {
    message: `--data (${f}): array must be one of other, imgs, but got "nope"`,
  });
});

test('loadDataset .csv [3,2]', async () => {
  const f = path.join(dir, 'p.csv');
  fs.writeFileSync(f, 'x,y\n1,2\n3,4\n5,6\n');
  const d = await loadDataset(f);
  assert.deepEqual(d.sampleShape, [2]);
  assert.equal(d.size, 3);
});

test('loadDataset rejects NaN, out-of-range float images, bad ranks',
  async () => {
    const nan = path.join(dir, 'nan.npy');
    writeNpy(nan, [2, 2], Float32Array.of(0, 1, NaN, 3));
    await assert.rejects(loadDataset(nan), {
      message: `--data (${nan}): every value must be finite, but got NaN ` +
        'at [1, 0]',
    });
    const big = path.join(dir, 'big.npy');
    writeNpy(big, [1, 2, 2, 1], Float32Array.of(0, 255, 0, 0));
    await assert.rejects(loadDataset(big), {
      message: `--data (${big}): <f4 image values must be in [-1, 1], but ` +
        'got 255 at [0, 0, 1, 0]\n  hint: save images as uint8 (0..255), ' +
        'or scale them to [-1, 1]',
    });
    const flat = path.join(dir, 'flat.npy');
    writeNpy(flat, [4], Float32Array.of(0, 1, 2, 3));
    await assert.rejects(loadDataset(flat), {
      message: `--data (${flat}): the array must be [N, D] vectors or ` +
        '[N, H, W(, C)] images, but got shape [4]\n  hint: reshape it to ' +
        '(N, 1)',
    });
  });

test('loadDataset unknown names and missing files list the choices',
  async () => {
    await assert.rejects(loadDataset('ring9'), {
      message: `--data must be one of ${LIST} or a .npy/.npz/.csv file, ` +
        'but got "ring9"',
    });
    await assert.rejects(loadDataset('missing.npy', { what: '--real' }), {
      message: `--real must be one of ${LIST} or a .npy/.npz/.csv file, ` +
        'but got "missing.npy" (no such file)',
    });
    await assert.rejects(loadDataset('stacked-mnist', { drop: [1] }), {
      message: '--data: weights and drop apply to ring8, grid25, spiral, ' +
        'mnist and fashion-mnist, but got data "stacked-mnist"',
    });
    await assert.rejects(loadDataset('ring8', { limit: 0 }), {
      message: '--data: limit must be an integer >= 1, but got 0',
    });
  });
