/**
 * Feature extractors by name, as `--features` spells them:
 *
 *   raw             the vectors themselves (tabular and toy data; images are
 *                   flattened to [n, height * width * channels])
 *   mnist           modescope's MNIST classifier: 128 penultimate (pre-ReLU)
 *                   features, 10 class probabilities (28 x 28 grayscale)
 *   inception:PATH  the FID Inception-v3 from pytorch-fid's weights file at
 *                   PATH: 2048 pool3 features, 1008 class probabilities
 *                   (any image size, resized to 299; grayscale repeated)
 *
 * `probs` (absent for raw) is what the Inception Score and mode counting
 * use. For Inception they are the softmax of the unbiased logits (pool3
 * times the fc weights), as the original Inception Score code computes
 * them (Salimans et al. 2016).
 *
 * Loaded models are cached per process: an Inception checkpoint is 95 MB.
 */
import { UserError, UserRangeError } from '../util/errors.js';
import { loadInception, type InceptionModel } from './inception.js';
import { loadMnistClassifier, type MnistClassifier } from './mnist.js';
import type { Images, Matrix } from './types.js';

export type { Images, Matrix } from './types.js';
export { loadInception, FID_WEIGHTS_FILE } from './inception.js';
export type { InceptionModel, InceptionFeatures } from './inception.js';
export { loadMnistClassifier } from './mnist.js';
export type { MnistClassifier } from './mnist.js';

export type FeatureSpec =
  | { kind: 'raw' }
  | { kind: 'mnist' }
  | { kind: 'inception'; path: string };

export interface ExtractedFeatures {
  /** The extractor used, e.g. `raw`, `mnist`, `inception`. */
  extractor: FeatureSpec['kind'];
  /** `[n, featureDim]`: what FID, KID and precision/recall compare. */
  features: Matrix;
  /** `[n, numClasses]` class probabilities; absent for `raw`. */
  probs?: Matrix;
}

export interface ExtractOptions {
  /** Images per forward pass (extractor default when absent). */
  batchSize?: number;
  /** Called with images done and total, after each batch. */
  onProgress?: (done: number, total: number) => void;
}

/** Parses a `--features` value. */
export function parseFeatureSpec(spec: string): FeatureSpec {
  if (spec === 'raw' || spec === 'mnist') return { kind: spec };
  if (spec.startsWith('inception:') && spec.length > 'inception:'.length) {
    return { kind: 'inception', path: spec.slice('inception:'.length) };
  }
  const hint =
    spec === 'inception'
      ? 'give the weights file: --features inception:' +
        'path/to/pt_inception-2015-12-05-6726825d.pth'
      : undefined;
  throw new UserError(
    `--features must be raw, mnist or inception:PATH, but got ` +
      `${JSON.stringify(spec)}`,
    hint,
  );
}

const inceptionCache = new Map<string, Promise<InceptionModel>>();
let mnistCache: Promise<MnistClassifier> | null = null;

/**
 * Features (and class probabilities where the extractor has them) of
 * `input`: images `[n, height, width, channels]` float32 in [0, 1], or for
 * `raw` also vectors `[n, dim]`. A `[n, 784]` matrix passes as 28 x 28
 * grayscale images to `mnist` (flattened MNIST). The model loaders start
 * the tf.js runtime when the caller has not.
 */
export async function extractFeatures(
  spec: string | FeatureSpec,
  input: Images | Matrix,
  opts: ExtractOptions = {},
): Promise<ExtractedFeatures> {
  const s = typeof spec === 'string' ? parseFeatureSpec(spec) : spec;
  const shown =
    'shape' in input
      ? `images [${input.shape.join(', ')}]`
      : `vectors [${input.rows}, ${input.cols}]`;
  switch (s.kind) {
    case 'raw': {
      if ('shape' in input) {
        const [n, h, w, c] = input.shape;
        return {
          extractor: 'raw',
          features: { data: input.data, rows: n, cols: h * w * c },
        };
      }
      return { extractor: 'raw', features: input };
    }
    case 'mnist': {
      let images: Images;
      if ('shape' in input) images = input;
      else if (input.cols === 784) {
        images = { data: input.data, shape: [input.rows, 28, 28, 1] };
      } else {
        throw new UserRangeError(
          `--features mnist: input must be [n, 28, 28, 1] images, but got ` +
            shown,
          'use --features raw for tabular or toy data',
        );
      }
      mnistCache ??= loadMnistClassifier();
      const model = await mnistCache.catch((e: unknown) => {
        mnistCache = null;
        throw e;
      });
      const out = await chunked(images, opts, (part) =>
        model.apply(part, { batchSize: opts.batchSize }),
      );
      return { extractor: 'mnist', features: out.features, probs: out.probs };
    }
    case 'inception': {
      if (!('shape' in input)) {
        throw new UserRangeError(
          `--features inception: input must be [n, height, width, 3 or 1] ` +
            `images, but got ${shown}`,
          'use --features raw for tabular or toy data',
        );
      }
      let pending = inceptionCache.get(s.path);
      if (!pending) {
        pending = loadInception(s.path);
        inceptionCache.set(s.path, pending);
      }
      const model = await pending.catch((e: unknown) => {
        inceptionCache.delete(s.path);
        throw e;
      });
      const out = await model.features(input, opts);
      return {
        extractor: 'inception',
        features: out.pool3,
        probs: softmaxRows(out.logitsUnbiased),
      };
    }
  }
}

/** Runs the MNIST classifier in slices so progress can be reported. */
async function chunked(
  images: Images,
  opts: ExtractOptions,
  fn: (part: Images) => Promise<{ probs: Matrix; features: Matrix }>,
): Promise<{ probs: Matrix; features: Matrix }> {
  if (!opts.onProgress) return fn(images);
  const [n, h, w, c] = images.shape;
  const step = Math.max(opts.batchSize ?? 1024, 1) * 4;
  const parts: { probs: Matrix; features: Matrix }[] = [];
  for (let start = 0; start < n; start += step) {
    const b = Math.min(step, n - start);
    const per = h * w * c;
    parts.push(
      await fn({
        data: images.data.subarray(start * per, (start + b) * per),
        shape: [b, h, w, c],
      }),
    );
    opts.onProgress(start + b, n);
  }
  const join = (ms: Matrix[]): Matrix => {
    const cols = ms[0]!.cols;
    const data = new Float32Array(n * cols);
    let at = 0;
    for (const m of ms) {
      data.set(m.data, at);
      at += m.data.length;
    }
    return { data, rows: n, cols };
  };
  return {
    probs: join(parts.map((p) => p.probs)),
    features: join(parts.map((p) => p.features)),
  };
}

/** Row-wise softmax `[n, k]` -> `[n, k]`, max-shifted: exp cannot overflow. */
function softmaxRows(m: Matrix): Matrix {
  const out = new Float32Array(m.data.length);
  for (let r = 0; r < m.rows; r++) {
    const row = m.data.subarray(r * m.cols, (r + 1) * m.cols);
    let max = -Infinity;
    for (const v of row) max = Math.max(max, v);
    let sum = 0;
    for (const v of row) sum += Math.exp(v - max);
    for (let j = 0; j < m.cols; j++) {
      out[r * m.cols + j] = Math.exp(row[j]! - max) / sum;
    }
  }
  return { data: out, rows: m.rows, cols: m.cols };
}
