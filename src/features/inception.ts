/**
 * Inception-v3 as FID uses it: the TensorFlow 2015-12-05 graph in
 * pytorch-fid's port (Seitzer, github.com/mseitzer/pytorch-fid), read from
 * its weights file pt_inception-2015-12-05-6726825d.pth.
 *
 * Outputs per image: pool3, the final global average pool (2048 features,
 * for FID, KID and precision/recall), and the 1008-way fc layer on top of
 * it (for the Inception Score), both with and without the fc bias: the
 * original IS code multiplies pool3 by the softmax weights alone.
 *
 * Preprocessing is pytorch-fid's: bilinear resize to 299 x 299 with
 * align_corners=False (see resize.ts for why not tf.js's resizeBilinear),
 * then 2x - 1. The FID graph differs from torchvision's Inception-v3 in two
 * places that move FID by whole points if missed: average pools skip the
 * padding (TF semantics, tf.js 'same' pooling does the same), and the last
 * block pools with max instead of average.
 *
 * Layer widths come from the checkpoint's tensor shapes, so a narrow
 * random-weight checkpoint of the same topology (the test fixture) runs the
 * same code. BatchNorm (eps 1e-3) is folded into the convolutions at load.
 *
 * Cost: about 5.7 GFLOP per image. On tf.js's CPU backend that is seconds
 * per image; the wasm or tfjs-node backends are many times faster.
 */
import * as fs from 'node:fs';
import { initRuntime, tf } from '../runtime/tf.js';
import { UserError, UserRangeError } from '../util/errors.js';
import {
  readStateDict,
  torchToFloat32,
  type TorchTensor,
} from '../io/torch.js';
import { resizeBilinearTorch } from './resize.js';
import { checkImages, type Images, type Matrix } from './types.js';

export interface InceptionFeatures {
  /** `[n, poolDim]` pool3 features (poolDim 2048 for the real weights). */
  pool3: Matrix;
  /** `[n, numClasses]` fc outputs with the bias (numClasses 1008). */
  logits: Matrix;
  /** `[n, numClasses]` pool3 times the fc weights, no bias (original IS). */
  logitsUnbiased: Matrix;
}

export interface InceptionOptions {
  /** Images per forward pass; default 16. Bounds memory. */
  batchSize?: number;
  /** Called after each batch with images done so far and the total. */
  onProgress?: (done: number, total: number) => void;
}

export interface InceptionModel {
  /** pool3 width, read from the checkpoint (2048 for the real weights). */
  readonly poolDim: number;
  /** fc output width (1008 for the real weights). */
  readonly numClasses: number;
  /**
   * Features of `images` `[n, height, width, 3 or 1]` float32 in [0, 1];
   * grayscale is repeated to three channels. Any height and width: each
   * image is resized to 299 x 299.
   */
  features(images: Images, opts?: InceptionOptions): Promise<InceptionFeatures>;
  /** Frees the weights' tensors. */
  dispose(): void;
}

export const FID_WEIGHTS_FILE = 'pt_inception-2015-12-05-6726825d.pth';
const FID_WEIGHTS_URL =
  'https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/' +
  FID_WEIGHTS_FILE;
const BN_EPS = 1e-3;

/** A convolution with its BatchNorm folded in, then ReLU. */
interface Conv {
  name: string;
  kernel: tf.Tensor4D;
  bias: tf.Tensor1D;
  stride: number;
  pad: 'same' | 'valid';
}

type T4 = tf.Tensor4D;

/**
 * Loads the FID Inception weights from `path` (either torch.save format).
 * Nothing is downloaded: a missing file is a UserError saying where to get
 * it. Starts the tf.js runtime if the caller has not (initRuntime).
 */
export async function loadInception(path: string): Promise<InceptionModel> {
  if (!fs.existsSync(path)) {
    throw new UserError(
      `inception: the weights file must exist, but ${JSON.stringify(path)} ` +
        'was not found',
      `download ${FID_WEIGHTS_FILE} (pytorch-fid's FID Inception weights, ` +
        `95 MB) from ${FID_WEIGHTS_URL} and pass its path`,
    );
  }
  // Idempotent: keeps a backend the caller chose, else picks the fastest.
  await initRuntime();
  const sd = readStateDict(path);
  const get = (name: string): TorchTensor => {
    const t = sd.get(name);
    if (!t) {
      throw new UserError(
        `${path}: the checkpoint must hold tensor ${name}, but it does not`,
        `pass pytorch-fid's ${FID_WEIGHTS_FILE}`,
      );
    }
    return t;
  };
  const convs = new Map<string, Conv>();
  const conv = (name: string, stride = 1, pad: 'same' | 'valid' = 'same') => {
    const c = foldConv(name, get, stride, pad, path);
    convs.set(name, c);
    return c;
  };
  const fcW = get('fc.weight');
  const fcB = get('fc.bias');
  if (fcW.shape.length !== 2 || fcB.shape[0] !== fcW.shape[0]) {
    throw new UserError(
      `${path}: fc.weight must be [classes, features] with a matching ` +
        `fc.bias, but got [${fcW.shape}] and [${fcB.shape}]`,
    );
  }
  const [numClasses, poolDim] = fcW.shape as [number, number];
  const net = buildNet(conv);
  const fcKernel = tf.transpose(
    tf.tensor2d(torchToFloat32(fcW), [numClasses, poolDim]),
  ) as tf.Tensor2D;
  const fcBias = tf.tensor1d(torchToFloat32(fcB));
  // The closures below share this scope: drop the host copies of the
  // weights (~200 MB for the real file) now that tf.js holds them.
  sd.clear();

  const forward = (batch: T4): [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D] => {
    // Each stage runs in its own tidy so only one stage's intermediates
    // live at a time; the full graph at batch 16 would hold gigabytes.
    let x = tf.tidy(() => {
      let y = resizeBilinearTorch(batch, 299, 299);
      if (y.shape[3] === 1) y = tf.tile(y, [1, 1, 1, 3]);
      return tf.sub(tf.mul(y, 2), 1) as T4;
    });
    for (const stage of net) {
      const next = tf.tidy(() => stage(x));
      x.dispose();
      x = next;
    }
    return tf.tidy(() => {
      const pool3 = tf.mean(x, [1, 2]) as tf.Tensor2D;
      x.dispose();
      if (pool3.shape[1] !== poolDim) {
        throw new UserError(
          `${path}: fc.weight must take ${pool3.shape[1]} features (the ` +
            `width of Mixed_7c), but takes ${poolDim}`,
        );
      }
      const unbiased = tf.matMul(pool3, fcKernel) as tf.Tensor2D;
      return [pool3, tf.add(unbiased, fcBias) as tf.Tensor2D, unbiased];
    });
  };

  return {
    poolDim,
    numClasses,
    async features(images, opts = {}) {
      const where = 'inception.features';
      checkImages(where, images, { channels: [1, 3] });
      const batchSize = opts.batchSize ?? 16;
      if (!(Number.isInteger(batchSize) && batchSize >= 1)) {
        throw new UserRangeError(
          `${where}: batchSize must be an integer >= 1, but got ${batchSize}`,
        );
      }
      const [n, h, w, c] = images.shape;
      const per = h * w * c;
      const out = {
        pool3: matrix(n, poolDim),
        logits: matrix(n, numClasses),
        logitsUnbiased: matrix(n, numClasses),
      };
      for (let start = 0; start < n; start += batchSize) {
        const b = Math.min(batchSize, n - start);
        const x = tf.tensor4d(
          images.data.subarray(start * per, (start + b) * per),
          [b, h, w, c],
        );
        const ys = forward(x);
        x.dispose();
        const names = ['pool3', 'logits', 'logitsUnbiased'] as const;
        for (let i = 0; i < 3; i++) {
          const m = out[names[i]!];
          m.data.set(await ys[i]!.data(), start * m.cols);
          ys[i]!.dispose();
        }
        opts.onProgress?.(start + b, n);
      }
      return out;
    },
    dispose() {
      for (const c of convs.values()) {
        c.kernel.dispose();
        c.bias.dispose();
      }
      fcKernel.dispose();
      fcBias.dispose();
    },
  };
}

function matrix(rows: number, cols: number): Matrix {
  return { data: new Float32Array(rows * cols), rows, cols };
}

/**
 * Reads `<name>.conv.weight` `[out, in, kh, kw]` and `<name>.bn.*` and
 * folds the BatchNorm into an HWIO kernel and a bias:
 *   scale = gamma / sqrt(var + eps),  W' = W scale,  b = beta - mean scale.
 */
function foldConv(
  name: string,
  get: (name: string) => TorchTensor,
  stride: number,
  pad: 'same' | 'valid',
  path: string,
): Conv {
  const w = get(`${name}.conv.weight`);
  const [co, ci, kh, kw] = w.shape as [number, number, number, number];
  const bn = ['weight', 'bias', 'running_mean', 'running_var'].map((k) =>
    get(`${name}.bn.${k}`),
  );
  if (w.shape.length !== 4 || bn.some((t) => t.shape[0] !== co)) {
    throw new UserError(
      `${path}: ${name} must have a [out, in, kh, kw] kernel and BatchNorm ` +
        `vectors of length out, but got [${w.shape}]`,
    );
  }
  const [gamma, beta, mean, variance] = bn.map(torchToFloat32) as [
    Float32Array, Float32Array, Float32Array, Float32Array,
  ];
  const src = torchToFloat32(w);
  const kernel = new Float32Array(src.length);
  const bias = new Float32Array(co);
  for (let o = 0; o < co; o++) {
    const scale = gamma[o]! / Math.sqrt(variance[o]! + BN_EPS);
    bias[o] = beta[o]! - mean[o]! * scale;
    for (let i = 0; i < ci; i++) {
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) {
          const from = ((o * ci + i) * kh + y) * kw + x;
          const to = ((y * kw + x) * ci + i) * co + o;
          kernel[to] = src[from]! * scale;
        }
      }
    }
  }
  return {
    name,
    kernel: tf.tensor4d(kernel, [kh, kw, ci, co]),
    bias: tf.tensor1d(bias),
    stride,
    pad,
  };
}

function apply(c: Conv, x: T4): T4 {
  if (x.shape[3] !== c.kernel.shape[2]) {
    throw new UserError(
      `inception: layer ${c.name} must get ${c.kernel.shape[2]} input ` +
        `channels, but the layers before it give ${x.shape[3]}`,
      `the checkpoint is not an FID Inception; pass ${FID_WEIGHTS_FILE}`,
    );
  }
  const y = tf.conv2d(x, c.kernel, c.stride, c.pad);
  return tf.relu(tf.add(y, c.bias)) as T4;
}

type Stage = (x: T4) => T4;

/**
 * The FID Inception topology as a list of stages, each from NHWC to NHWC.
 * Padding: stride-2 convolutions and two stem convolutions are 'valid';
 * every other convolution is padded to keep the size (the reference pads
 * (k - 1) / 2 per side, which is 'same' at stride 1).
 */
function buildNet(
  conv: (name: string, stride?: number, pad?: 'same' | 'valid') => Conv,
): Stage[] {
  const chain = (x: T4, cs: Conv[]): T4 => cs.reduce((y, c) => apply(c, y), x);
  const cat = (xs: T4[]): T4 => tf.concat(xs, 3) as T4;
  // TF-style average pool: the mean of the in-image cells only.
  const avg3 = (x: T4): T4 => tf.avgPool(x, 3, 1, 'same');
  const max3s2 = (x: T4): T4 => tf.maxPool(x, 3, 2, 'valid');
  const names = (m: string, parts: string[]): Conv[] =>
    parts.map((p) => conv(`${m}.${p}`));

  const stem1 = [
    conv('Conv2d_1a_3x3', 2, 'valid'),
    conv('Conv2d_2a_3x3', 1, 'valid'),
    conv('Conv2d_2b_3x3'),
  ];
  const stem2 = [conv('Conv2d_3b_1x1'), conv('Conv2d_4a_3x3', 1, 'valid')];

  const blockA = (m: string): Stage => {
    const [b1, b5a, b5b, d1, d2, d3, bp] = names(m, [
      'branch1x1', 'branch5x5_1', 'branch5x5_2', 'branch3x3dbl_1',
      'branch3x3dbl_2', 'branch3x3dbl_3', 'branch_pool',
    ]) as Conv[] & { length: 7 };
    return (x) =>
      cat([
        apply(b1!, x),
        chain(x, [b5a!, b5b!]),
        chain(x, [d1!, d2!, d3!]),
        apply(bp!, avg3(x)),
      ]);
  };
  const blockB = (m: string): Stage => {
    const b3 = conv(`${m}.branch3x3`, 2, 'valid');
    const [d1, d2] = names(m, ['branch3x3dbl_1', 'branch3x3dbl_2']);
    const d3 = conv(`${m}.branch3x3dbl_3`, 2, 'valid');
    return (x) =>
      cat([apply(b3, x), chain(x, [d1!, d2!, d3]), max3s2(x)]);
  };
  const blockC = (m: string): Stage => {
    const [b1, ...rest] = names(m, [
      'branch1x1', 'branch7x7_1', 'branch7x7_2', 'branch7x7_3',
      'branch7x7dbl_1', 'branch7x7dbl_2', 'branch7x7dbl_3', 'branch7x7dbl_4',
      'branch7x7dbl_5', 'branch_pool',
    ]);
    const b7 = rest.slice(0, 3);
    const d7 = rest.slice(3, 8);
    const bp = rest[8]!;
    return (x) =>
      cat([apply(b1!, x), chain(x, b7), chain(x, d7), apply(bp, avg3(x))]);
  };
  const blockD = (m: string): Stage => {
    const b3 = [conv(`${m}.branch3x3_1`), conv(`${m}.branch3x3_2`, 2, 'valid')];
    const b7 = [
      ...names(m, ['branch7x7x3_1', 'branch7x7x3_2', 'branch7x7x3_3']),
      conv(`${m}.branch7x7x3_4`, 2, 'valid'),
    ];
    return (x) => cat([chain(x, b3), chain(x, b7), max3s2(x)]);
  };
  const blockE = (m: string, pool: 'avg' | 'max'): Stage => {
    const [b1, t1, t2a, t2b, d1, d2, d3a, d3b, bp] = names(m, [
      'branch1x1', 'branch3x3_1', 'branch3x3_2a', 'branch3x3_2b',
      'branch3x3dbl_1', 'branch3x3dbl_2', 'branch3x3dbl_3a', 'branch3x3dbl_3b',
      'branch_pool',
    ]) as Conv[];
    return (x) => {
      const t = apply(t1!, x);
      const u = chain(x, [d1!, d2!]);
      // pytorch-fid: the FID graph's last block max-pools here, unlike the
      // Inception-v3 paper and torchvision.
      const pooled =
        pool === 'max' ? tf.maxPool(x, 3, 1, 'same') : avg3(x);
      return cat([
        apply(b1!, x),
        apply(t2a!, t),
        apply(t2b!, t),
        apply(d3a!, u),
        apply(d3b!, u),
        apply(bp!, pooled),
      ]);
    };
  };

  return [
    (x) => max3s2(chain(x, stem1)),
    (x) => max3s2(chain(x, stem2)),
    blockA('Mixed_5b'),
    blockA('Mixed_5c'),
    blockA('Mixed_5d'),
    blockB('Mixed_6a'),
    blockC('Mixed_6b'),
    blockC('Mixed_6c'),
    blockC('Mixed_6d'),
    blockC('Mixed_6e'),
    blockD('Mixed_7a'),
    blockE('Mixed_7b', 'avg'),
    blockE('Mixed_7c', 'max'),
  ];
}
