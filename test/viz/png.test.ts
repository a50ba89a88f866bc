// PNG pictures: they decode, have the documented size, and their pixels
// reflect the input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  autoRange,
  decodePng,
  renderDensity,
  renderGrid,
  renderScatter,
  toPixel,
} from '../../src/viz/png.js';
import { getMixture, sampleMixture } from '../../src/data/mixtures.js';
import { Rng } from '../../src/util/rng.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modescope-viz-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
const read = (f: string) => decodePng(fs.readFileSync(f));

test('renderScatter ring8 [1,2] 512x512: the point colours its pixel', () => {
  const f = path.join(dir, 's.png');
  const range = { x0: -4, x1: 4, y0: -4, y1: 4 };
  const info = renderScatter(f, {
    samples: Float32Array.of(1, 1),
    mixture: getMixture('ring8'),
    range,
    alpha: 1,
  });
  assert.deepEqual(info, { range, width: 512, height: 512, clamped: 0 });
  const c = read(f);
  assert.equal(c.width, 512);
  assert.equal(c.height, 512);
  // (1, 1) -> px = 5/8 * 512 = 320, py = 3/8 * 512 = 192.
  assert.deepEqual(toPixel(range, 512, 1, 1), [320, 192]);
  assert.deepEqual(c.get(320, 192), [230, 85, 13]);
  // Mode 0 at (2, 0) -> pixel (384, 256): a dark centre mark.
  assert.deepEqual(c.get(384, 256), [40, 40, 40]);
  // Near mode 2's centre (0, 2) -> (256, 128) the density is shaded blue.
  const [r, g, b] = c.get(256 + 1, 128);
  assert.ok(b > r && r < 200, `density pixel ${[r, g, b]}`);
  // Far from every mode: white.
  assert.deepEqual(c.get(256, 256), [255, 255, 255]);
});

test('renderScatter clamps outliers onto the border', () => {
  const f = path.join(dir, 'o.png');
  const info = renderScatter(f, {
    samples: Float32Array.of(100, 0),
    range: { x0: -1, x1: 1, y0: -1, y1: 1 },
    size: 64,
    alpha: 1,
    pointRadius: 0,
  });
  assert.equal(info.clamped, 1);
  assert.deepEqual(read(f).get(63, 32), [150, 30, 0]);
});

test('renderScatter with real points [500,2] and auto range', () => {
  const f = path.join(dir, 'r.png');
  const rng = new Rng(1);
  const grid = getMixture('grid25');
  const info = renderScatter(f, {
    samples: sampleMixture(grid, 500, rng),
    real: sampleMixture(grid, 500, rng),
    size: 128,
  });
  assert.equal(read(f).width, 128);
  assert.ok(info.range.x0 < -4 && info.range.x1 > 4, JSON.stringify(info));
});

test('autoRange ignores a far outlier but covers the modes', () => {
  const ring = getMixture('ring8');
  const s = sampleMixture(ring, 1000, new Rng(2));
  s[0] = 1e6;
  const r = autoRange({ samples: s, mixture: ring });
  assert.ok(r.x0 < -2 && r.x1 > 2 && r.x1 < 10, JSON.stringify(r));
  assert.ok(Math.abs((r.x1 - r.x0) - (r.y1 - r.y0)) < 1e-9, 'square');
});

test('renderGrid [3,2,2,1] scale 1: tiles equal the input', () => {
  const f = path.join(dir, 'g.png');
  const img = Float32Array.of(
    -1, 1, 0, 0.5,
    1, 1, 1, 1,
    -1, -1, -1, NaN,
  );
  const size = renderGrid(f, { images: img, shape: [3, 2, 2, 1], cols: 2,
    scale: 1 });
  // 2 columns of 2 + separators: 2 * 3 + 1 = 7; 2 rows: 7.
  assert.deepEqual(size, { width: 7, height: 7 });
  const c = read(f);
  const grey = (v: number) => Math.round((v + 1) * 127.5);
  const tiles: [number, number][] = [[1, 1], [4, 1], [1, 4]];
  tiles.forEach(([ox, oy], i) => {
    for (let y = 0; y < 2; y++) {
      for (let x = 0; x < 2; x++) {
        const v = img[i * 4 + y * 2 + x]!;
        const want = Number.isNaN(v) ? [255, 0, 255] : [grey(v), grey(v),
          grey(v)];
        assert.deepEqual(c.get(ox + x, oy + y), want,
          `tile ${i} pixel (${x}, ${y})`);
      }
    }
  });
  assert.deepEqual(c.get(0, 0), [128, 128, 128], 'separator');
  assert.deepEqual(c.get(3, 1), [128, 128, 128], 'separator');
});

test('renderGrid [1,1,2,3] RGB scale 3: channels kept, upscaled', () => {
  const f = path.join(dir, 'rgb.png');
  renderGrid(f, { images: Float32Array.of(1, -1, -1, -1, -1, 1),
    shape: [1, 1, 2, 3], scale: 3 });
  const c = read(f);
  assert.equal(c.width, 8);
  assert.equal(c.height, 5);
  assert.deepEqual(c.get(1, 1), [255, 0, 0]);
  assert.deepEqual(c.get(3, 3), [255, 0, 0]);
  assert.deepEqual(c.get(4, 1), [0, 0, 255]);
});

test('renderGrid rejects a shape that does not match', () => {
  assert.throws(
    () => renderGrid(path.join(dir, 'x.png'), { images: new Float32Array(5),
      shape: [1, 2, 2, 1] }),
    { message: 'renderGrid: images must hold n * H * W * C = 4 >= 1 values ' +
      'for shape [1, 2, 2, 1], but got 5' },
  );
});

test('renderDensity [100,2] at one point: one bright bin, rest dark', () => {
  const f = path.join(dir, 'd.png');
  const pts = new Float32Array(200).fill(0.5);
  const info = renderDensity(f, { samples: pts, size: 64, bins: 16,
    range: { x0: 0, x1: 1, y0: 0, y1: 1 } });
  assert.equal(info.clamped, 0);
  const c = read(f);
  // (0.5, 0.5) -> bin (floor(0.5 * 16), floor((1 - 0.5) * 16)) = (8, 8)
  // -> pixels 32..35 x 32..35.
  assert.deepEqual(c.get(33, 33), [252, 240, 170]);
  assert.deepEqual(c.get(33, 29), [8, 8, 24]);
  assert.deepEqual(c.get(5, 5), [8, 8, 24]);
});
