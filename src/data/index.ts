/**
 * Data sets by name: toy mixtures, MNIST-like images and user files.
 *
 * `loadDataset(spec)` accepts `ring8 | grid25 | spiral` (2-D mixtures, see
 * mixtures.ts), `mnist | fashion-mnist | stacked-mnist` (28x28 images in
 * [-1, 1], see mnist.ts) or a path to a `.npy`, `.npz` or `.csv` file (see
 * files.ts). Every `sample` draws with replacement from the training data
 * (or the analytic training distribution), using only the given Rng.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Rng } from '../util/rng.js';
import { UserError, describe } from '../util/errors.js';
import {
  MIXTURE_NAMES,
  getMixture,
  isMixtureName,
  modeWeights,
  pickByWeight,
  sampleMixture,
} from './mixtures.js';
import type { Mixture, MixtureOptions } from './mixtures.js';
import {
  UINT8_TO_UNIT,
  drawStackedIndices,
  loadFashionMnist,
  loadMnist,
  stackImages,
  stackedLabels,
} from './mnist.js';
import type { LabeledImages, Split } from './mnist.js';
import { readDataFile } from './files.js';

export interface Dataset {
  name: string;
  /** One example's shape: `[2]`, `[28, 28, 1]`, `[28, 28, 3]`, `[D]`. */
  sampleShape: number[];
  /** Number of real examples, or Infinity for an analytic mixture. */
  size: number;
  /**
   * `n` examples drawn with replacement: `[n, ...sampleShape]` float32,
   * images in [-1, 1].
   */
  sample(rng: Rng, n: number): Float32Array;
  /**
   * Like `sample`, with each example's class (`[n]` int32): the digit or
   * garment 0..9, or the Stacked MNIST mode 0..999. Only labelled data.
   */
  sampleLabeled?(rng: Rng, n: number): { x: Float32Array; labels: Int32Array };
  /**
   * The full reference mixture (all K modes, uniform weights) when modes
   * are known: what mode metrics and plots score against.
   */
  mixture?: Mixture;
  /** The mixture `sample` draws from (weights / dropped modes applied). */
  trainMixture?: Mixture;
  /** True for Stacked MNIST (1000 modes, judged by an MNIST classifier). */
  stackedMnist?: boolean;
  /** Number of classes of labelled data (10 or 1000). */
  numClasses?: number;
  /** One line for logs and reports. */
  description: string;
}

export interface LoadOptions extends MixtureOptions {
  /**
   * Keep the first `limit` examples (images, file rows; for Stacked MNIST
   * the size of the fixed pool of triples). Ignored by analytic mixtures.
   */
  limit?: number;
  /** Image split; default 'train'. */
  split?: Split;
  /** The .npz member to read; default the first one. */
  array?: string;
  /** The flag naming the data in errors; default `--data`. */
  what?: string;
}

export const DATASET_NAMES = [
  ...MIXTURE_NAMES,
  'mnist',
  'fashion-mnist',
  'stacked-mnist',
] as const;

/** Stacked MNIST's training set size in PacGAN: 128,000 images. */
export const STACKED_POOL_SIZE = 128_000;

/**
 * Opens a data set by name or file (see the file comment). Unknown names
 * and missing files throw a UserError listing the accepted values.
 */
export async function loadDataset(
  spec: string,
  opts: LoadOptions = {},
): Promise<Dataset> {
  const what = opts.what ?? '--data';
  const limit = opts.limit;
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1)) {
    throw new UserError(
      `${what}: limit must be an integer >= 1, but got ${describe(limit)}`,
    );
  }
  const hasModeOpts = opts.weights !== undefined || opts.drop !== undefined;
  if (isMixtureName(spec)) return mixtureDataset(spec, opts);
  if (hasModeOpts && !['mnist', 'fashion-mnist'].includes(spec)) {
    throw new UserError(
      `${what}: weights and drop apply to ring8, grid25, spiral, mnist and ` +
        `fashion-mnist, but got data ${JSON.stringify(spec)}`,
    );
  }
  if (spec === 'mnist' || spec === 'fashion-mnist') {
    const split = opts.split ?? 'train';
    const src = spec === 'mnist' ? loadMnist(split) : loadFashionMnist(split);
    return imageDataset(spec, src, opts);
  }
  if (spec === 'stacked-mnist') return stackedDataset(opts);
  const ext = path.extname(spec).toLowerCase();
  if (['.npy', '.npz', '.csv'].includes(ext) && fs.existsSync(spec)) {
    return fileDataset(spec, opts);
  }
  const missing = ['.npy', '.npz', '.csv'].includes(ext) ?
      ' (no such file)'
    : '';
  throw new UserError(
    `${what} must be one of ${DATASET_NAMES.join(', ')} or a ` +
      `.npy/.npz/.csv file, but got ${JSON.stringify(spec)}${missing}`,
  );
}

const MIXTURE_TEXT: Record<string, string> = {
  ring8: '8 Gaussians on a circle of radius 2, std 0.02',
  grid25: '25 Gaussians on the grid {-4,-2,0,2,4}^2, std 0.05',
  spiral: '10 Gaussians along an Archimedean spiral, r 1..4, std 0.05',
};

function mixtureDataset(
  name: (typeof MIXTURE_NAMES)[number],
  opts: LoadOptions,
): Dataset {
  const full = getMixture(name);
  const train = getMixture(name, { weights: opts.weights, drop: opts.drop });
  const notes: string[] = [];
  if (opts.weights !== undefined && opts.weights !== 'uniform') {
    notes.push(
      Array.isArray(opts.weights) ? 'custom weights' : 'skewed weights',
    );
  }
  if (opts.drop?.length) {
    notes.push(`modes ${opts.drop.join(', ')} dropped from training`);
  }
  return {
    name,
    sampleShape: [2],
    size: Infinity,
    sample: (rng, n) => sampleMixture(train, n, rng),
    mixture: full,
    trainMixture: train,
    description:
      `${name}: ${MIXTURE_TEXT[name]}` +
      (notes.length ? ` (${notes.join('; ')})` : ''),
  };
}

/** MNIST or Fashion-MNIST, optionally with class weights or drops. */
function imageDataset(
  name: 'mnist' | 'fashion-mnist',
  src: LabeledImages,
  opts: LoadOptions,
): Dataset {
  const n = Math.min(src.labels.length, opts.limit ?? Infinity);
  const images = src.images.subarray(0, n * 784);
  const labels = src.labels.subarray(0, n);
  const pick = classPicker(labels, opts, `${opts.what ?? '--data'} ${name}`);
  const fill = (rng: Rng, count: number, withLabels: boolean) => {
    const x = new Float32Array(count * 784);
    const y = new Int32Array(withLabels ? count : 0);
    for (let i = 0; i < count; i++) {
      const j = pick(rng);
      const src0 = j * 784;
      const dst0 = i * 784;
      for (let p = 0; p < 784; p++) {
        x[dst0 + p] = UINT8_TO_UNIT[images[src0 + p]!]!;
      }
      if (withLabels) y[i] = labels[j]!;
    }
    return { x, labels: y };
  };
  const split = opts.split ?? 'train';
  return {
    name,
    sampleShape: [28, 28, 1],
    size: n,
    sample: (rng, count) => fill(rng, count, false).x,
    sampleLabeled: (rng, count) => fill(rng, count, true),
    numClasses: 10,
    description:
      `${name}: ${n} ${split} images of 28x28, 10 classes` +
      (opts.drop?.length ? `, classes ${opts.drop.join(', ')} dropped` : '') +
      (opts.weights && opts.weights !== 'uniform' ? ', class weights' : ''),
  };
}

/**
 * A function drawing an example index. Without weights or drops it is
 * uniform over all examples; with them it picks a class by weight, then
 * an example of that class uniformly.
 */
function classPicker(
  labels: Uint8Array,
  opts: LoadOptions,
  where: string,
): (rng: Rng) => number {
  const n = labels.length;
  if (opts.weights === undefined && opts.drop === undefined) {
    return (rng) => rng.int(n);
  }
  const w = modeWeights(10, { weights: opts.weights, drop: opts.drop }, where);
  const byClass: number[][] = Array.from({ length: 10 }, () => []);
  for (let i = 0; i < n; i++) byClass[labels[i]!]!.push(i);
  const lists = byClass.map((l) => Int32Array.from(l));
  lists.forEach((l, c) => {
    if (l.length === 0 && w[c]! > 0) w[c] = 0;
  });
  const total = w.reduce((a, b) => a + b, 0);
  for (let c = 0; c < 10; c++) w[c]! /= total;
  return (rng) => {
    const list = lists[pickByWeight(w, rng.uniform())]!;
    return list[rng.int(list.length)]!;
  };
}

/**
 * Stacked MNIST over a fixed pool of index triples (PacGAN's 128,000
 * images, or `limit`), drawn once from a fixed seed: the pool costs 12
 * bytes an image, and images are built only when sampled.
 */
function stackedDataset(opts: LoadOptions): Dataset {
  const split = opts.split ?? 'train';
  const src = loadMnist(split);
  const poolSize = opts.limit ?? STACKED_POOL_SIZE;
  // A fixed seed: every run trains on the same 128,000 images, as in the
  // papers; the run's own seed only decides the order they are drawn in.
  const pool = drawStackedIndices(new Rng(1000), poolSize, src.labels.length);
  const poolModes = stackedLabels(pool, src.labels);
  const fill = (rng: Rng, count: number) => {
    const idx = new Int32Array(3 * count);
    const labels = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const r = rng.int(poolSize);
      idx[3 * i] = pool[3 * r]!;
      idx[3 * i + 1] = pool[3 * r + 1]!;
      idx[3 * i + 2] = pool[3 * r + 2]!;
      labels[i] = poolModes[r]!;
    }
    return { x: stackImages(src.images, idx), labels };
  };
  const distinct = new Set(poolModes).size;
  return {
    name: 'stacked-mnist',
    sampleShape: [28, 28, 3],
    size: poolSize,
    sample: (rng, count) => fill(rng, count).x,
    sampleLabeled: fill,
    stackedMnist: true,
    numClasses: 1000,
    description:
      `stacked-mnist: ${poolSize} images of 28x28x3 from three ${split} ` +
      `MNIST digits each, ${distinct} of 1000 modes present`,
  };
}

function fileDataset(file: string, opts: LoadOptions): Dataset {
  const arr = readDataFile(file, {
    array: opts.array,
    limit: opts.limit,
    what: opts.what,
  });
  const n = arr.shape[0]!;
  const sampleShape = arr.shape.slice(1);
  const row = sampleShape.reduce((a, b) => a * b, 1);
  return {
    name: path.basename(file),
    sampleShape,
    size: n,
    sample: (rng, count) => {
      const x = new Float32Array(count * row);
      for (let i = 0; i < count; i++) {
        const j = rng.int(n);
        x.set(arr.data.subarray(j * row, (j + 1) * row), i * row);
      }
      return x;
    },
    description:
      `${file}: ${n} ${arr.isImage ? 'images' : 'vectors'} of ` +
      `[${sampleShape.join(', ')}]`,
  };
}

export type { Mixture } from './mixtures.js';
export { getMixture, sampleMixture } from './mixtures.js';
