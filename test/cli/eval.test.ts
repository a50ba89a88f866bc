import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { cli } from './eval-helpers.js';
import { encodeNpy, readNpz, writeNpy } from '../../src/io/npy.js';
import { Rng } from '../../src/util/rng.js';
import { FIXTURES, REF, close } from '../metrics/helpers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'modescope-eval-'));
const fx = (n: string) => path.join(FIXTURES, `${n}.npy`);

test('eval --json fid,prdc on fixtures matches the references', async () => {
  const r = await cli(['eval', '--real', fx('prdc_real'), '--fake',
    fx('prdc_fake'), '--metrics', 'prdc', '--json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.precision, REF.prdc_k3!.precision);
  assert.equal(j.coverage, REF.prdc_k5!.coverage);
  assert.equal(j.verdict, 'partial');
  assert.match(r.err, /^warning: prdc: 400 samples is below/m);
});

test('eval --save-stats then --real stats.npz gives the same fid', async () => {
  const stats = path.join(tmp, 'real_stats.npz');
  const a = await cli(['eval', '--real', fx('fid_full_real'), '--fake',
    fx('fid_full_fake'), '--metrics', 'fid', '--save-stats', stats, '--json']);
  assert.equal(a.code, 0, a.err);
  close(JSON.parse(a.out).fid, REF.fid_full!.fid!, 1e-6, 0, 'fid');
  assert.deepEqual(readNpz(stats).sigma!.shape, [16, 16]);
  const b = await cli(['eval', '--real', stats, '--fake', fx('fid_full_fake'),
    '--metrics', 'fid', '--json']);
  close(JSON.parse(b.out).fid, REF.fid_full!.fid!, 1e-6, 0, 'fid');
});

test('eval --real ring8 with a one-mode fake set -> complete collapse', async () => {
  const rng = new Rng(1);
  const a = new Float32Array(600);
  for (let i = 0; i < 300; i++) {
    a[2 * i] = 2 + 0.02 * rng.normal();
    a[2 * i + 1] = 0.02 * rng.normal();
  }
  const file = path.join(tmp, 'collapsed.npy');
  writeNpy(file, [300, 2], a);
  const r = await cli(['eval', '--real', 'ring8', '--fake', file,
    '--metrics', 'modes,prdc,dup', '--json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.modes.covered, 1);
  assert.equal(j.modes.total, 8);
  assert.equal(j.verdict, 'complete');
});

test('eval truncated .npy -> exit 2 with the byte counts', async () => {
  const bytes = encodeNpy([4, 2], new Float32Array(8));
  const file = path.join(tmp, 'trunc.npy');
  fs.writeFileSync(file, bytes.subarray(0, bytes.length - 5));
  const r = await cli(['eval', '--real', fx('kid_real'), '--fake', file]);
  assert.equal(r.code, 2);
  assert.equal(r.err, `error: --fake (${file}): file is truncated: shape ` +
    '(4, 2) needs 32 data bytes, but got 27\n');
});

test('eval NaN values -> exit 2 naming the sample', async () => {
  const file = path.join(tmp, 'nan.npy');
  writeNpy(file, [3, 2], Float32Array.from([0, 1, 2, NaN, 4, 5]));
  const r = await cli(['eval', '--real', fx('kid_real'), '--fake', file]);
  assert.equal(r.code, 2);
  assert.equal(r.err, `error: --fake (${file}): values must be finite, but ` +
    'got NaN in sample 1\n  hint: remove or repair the non-finite samples\n');
});

test('eval mismatched dimensions -> exit 2', async () => {
  const r = await cli(['eval', '--real', fx('kid_real'), '--fake',
    fx('emd_real')]);
  assert.equal(r.code, 2);
  assert.equal(r.err, 'error: modescope eval: --fake must have the ' +
    'dimension of --real (8), but got 3\n  hint: compute both with the ' +
    'same --features and image size\n');
});

test('eval empty folder -> exit 2', async () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'empty-'));
  const r = await cli(['eval', '--real', fx('kid_real'), '--fake', dir]);
  assert.equal(r.code, 2);
  assert.equal(r.err, `error: --fake: folder "${dir}" must hold at least ` +
    'one PNG or JPEG image, but got none\n');
});

test('eval folder with a non-image file -> exit 2', async () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'mixed-'));
  const png = new PNG({ width: 2, height: 2 });
  png.data.fill(255);
  fs.mkdirSync(path.join(dir, 'sub'));
  fs.writeFileSync(path.join(dir, 'sub', 'a.png'), PNG.sync.write(png));
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'hello');
  const r = await cli(['eval', '--real', fx('kid_real'), '--fake', dir]);
  assert.equal(r.code, 2);
  assert.equal(r.err, `error: --fake: folder "${dir}" must hold only PNG or ` +
    'JPEG images, but got "notes.txt"\n  hint: move other files out of ' +
    'the folder\n');
});

test('eval image folder [3,2,2,1] loads recursively as gray', async () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'imgs-'));
  fs.mkdirSync(path.join(dir, 'a'));
  for (const [i, name] of ['x.png', 'a/y.png', 'a/z.png'].entries()) {
    const png = new PNG({ width: 2, height: 2 });
    png.data.fill(40 * (i + 1));
    for (let p = 3; p < 16; p += 4) png.data[p] = 255;
    fs.writeFileSync(path.join(dir, name), PNG.sync.write(png));
  }
  const r = await cli(['eval', '--real', dir, '--fake', dir, '--metrics',
    'swd', '--json']);
  assert.equal(r.code, 0, r.err);
  assert.equal(JSON.parse(r.out).swd, 0);
});

test('eval KID subset larger than the sample -> exit 2', async () => {
  const r = await cli(['eval', '--real', fx('kid_real'), '--fake',
    fx('kid_fake'), '--metrics', 'kid']);
  assert.equal(r.code, 2);
  assert.equal(r.err, 'error: kid: subsetSize must be at most the number ' +
    'of samples (200 real, 200 fake), but got 1000\n  hint: pass ' +
    '--kid-subset-size 200 or fewer, or more samples\n');
});
