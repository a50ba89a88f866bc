/**
 * Loads a sample set for `modescope eval` from what users have:
 *
 * - .npy: `[N, D]` vectors, `[N, H, W]` gray images, `[N, H, W, C]` (NHWC)
 *   or `[N, C, H, W]` (NCHW, recognised by C in {1, 3} in the second axis
 *   and not the last) images, transposed to NHWC;
 * - .npz: `mu` and `sigma` members are saved FID statistics (pytorch-fid's
 *   format); otherwise the single array, or the one named `arr_0`;
 * - a folder of PNG / JPEG images (src/io/images.ts);
 * - .csv: a numeric table, one sample per row (src/io/csv.ts).
 *
 * Scaling: uint8 arrays become float32 pixel / 255 in [0, 1], the range
 * the feature extractors expect; float arrays are used as they are (pass
 * images in [0, 1]). Values must be finite.
 *
 * `stackedMnistSamples` draws the reference set of `--real stacked-mnist`.
 */
import * as fs from 'node:fs';
import { readNpy, readNpz, toFloat32, type NpyArray } from './npy.js';
import { readCsv } from './csv.js';
import { loadImageFolder } from './images.js';
import { UserError } from '../util/errors.js';
import { loadMnist, drawStackedIndices, type Split } from '../data/mnist.js';
import type { Rng } from '../util/rng.js';

export type SampleSet =
  | {
      kind: 'samples';
      /** `[N, ...rest]` float32, C order; images are NHWC. */
      data: Float32Array;
      shape: number[];
    }
  | {
      kind: 'stats';
      /** `[D]` float64. */
      mu: Float64Array;
      /** `[D, D]` float64. */
      sigma: Float64Array;
    };

function fromArray(a: NpyArray, what: string): SampleSet {
  const shape = a.shape;
  if (shape.length < 2 || shape.length > 4 || shape[0] === 0) {
    throw new UserError(
      `${what}: array must be [N, D], [N, H, W], [N, H, W, C] or ` +
        `[N, C, H, W] with N >= 1, but got shape [${shape.join(', ')}]`,
    );
  }
  let data: Float32Array =
    a.data instanceof Uint8Array && a.dtype.endsWith('u1')
      ? Float32Array.from(a.data, (v) => v / 255)
      : toFloat32(a);
  let out = shape.slice();
  if (shape.length === 3) out = [...shape, 1];
  if (
    shape.length === 4 &&
    [1, 3].includes(shape[1]!) &&
    ![1, 3].includes(shape[3]!)
  ) {
    const [n, c, h, w] = shape as [number, number, number, number];
    const t = new Float32Array(data.length);
    for (let i = 0; i < n; i++) {
      for (let ch = 0; ch < c; ch++) {
        for (let p = 0; p < h * w; p++) {
          t[(i * h * w + p) * c + ch] = data[(i * c + ch) * h * w + p]!;
        }
      }
    }
    data = t;
    out = [n, h, w, c];
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) {
      const row = Math.floor(i / (data.length / out[0]!));
      throw new UserError(
        `${what}: values must be finite, but got ${data[i]} in sample ${row}`,
        'remove or repair the non-finite samples',
      );
    }
  }
  return { kind: 'samples', data, shape: out };
}

/** Loads `file` (see above); `what` names the flag in errors. */
export function loadSamples(file: string, what: string): SampleSet {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw new UserError(
      `${what}: cannot read "${file}": no such file or folder`,
    );
  }
  if (st.isDirectory()) {
    const img = loadImageFolder(file, what);
    return { kind: 'samples', data: img.data, shape: img.shape };
  }
  const lower = file.toLowerCase();
  if (lower.endsWith('.npy')) {
    return fromArray(readNpy(file, what), `${what} (${file})`);
  }
  if (lower.endsWith('.csv')) {
    const m = readCsv(file, what);
    return fromArray(
      { dtype: '<f4', shape: m.shape, data: m.data },
      `${what} (${file})`,
    );
  }
  if (lower.endsWith('.npz')) {
    const z = readNpz(file, what);
    if (z.mu && z.sigma) {
      const d = z.mu.shape[0]!;
      if (z.mu.shape.length !== 1 || z.sigma.shape.join() !== `${d},${d}`) {
        throw new UserError(
          `${what} (${file}): statistics must be mu [D] and sigma [D, D], ` +
            `but got [${z.mu.shape.join(', ')}] and ` +
            `[${z.sigma.shape.join(', ')}]`,
        );
      }
      return {
        kind: 'stats',
        mu: Float64Array.from(z.mu.data),
        sigma: Float64Array.from(z.sigma.data),
      };
    }
    const names = Object.keys(z);
    const pick = names.length === 1 ? names[0]!
      : names.includes('arr_0') ? 'arr_0'
      : undefined;
    if (!pick) {
      throw new UserError(
        `${what} (${file}): archive must hold one array, arr_0, or mu and ` +
          `sigma, but got ${names.length ? names.join(', ') : 'no arrays'}`,
      );
    }
    return fromArray(z[pick]!, `${what} (${file}:${pick})`);
  }
  throw new UserError(
    `${what}: "${file}" must be a .npy, .npz or .csv file or an image ` +
      'folder',
  );
}

/** True for `[N, 28, 28, 3]` images: the Stacked MNIST layout. */
export function isStackedMnistShape(shape: readonly number[]): boolean {
  return shape.length === 4 && shape[1] === 28 && shape[2] === 28 &&
    shape[3] === 3;
}

/**
 * `count` Stacked MNIST images `[count, 28, 28, 3]` float32 in [0, 1]
 * (pixel / 255, the feature extractors' range): channel c of each image
 * is an MNIST digit of `split` drawn uniformly with `rng`, so the 1000
 * digit triples are equally likely, as in the protocol's real data.
 */
export function stackedMnistSamples(
  count: number,
  rng: Rng,
  split: Split = 'train',
): SampleSet & { kind: 'samples' } {
  const src = loadMnist(split);
  const idx = drawStackedIndices(rng, count, src.labels.length);
  const data = new Float32Array(count * 784 * 3);
  for (let i = 0; i < count; i++) {
    for (let c = 0; c < 3; c++) {
      const from = idx[3 * i + c]! * 784;
      for (let p = 0; p < 784; p++) {
        data[(i * 784 + p) * 3 + c] = src.images[from + p]! / 255;
      }
    }
  }
  return { kind: 'samples', data, shape: [count, 28, 28, 3] };
}
