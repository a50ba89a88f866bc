/**
 * modescope's own MNIST classifier, the feature extractor for MNIST-like
 * data where Inception (trained on ImageNet photos) judges poorly.
 *
 * A small PacGAN-style CNN trained by scripts/train-mnist-classifier.py
 * (PyTorch, seeded); its weights ship as models/mnist-classifier.npz
 * (float32, under 1 MB). Test accuracy on the MNIST test set: >= 99%
 * (test/features/mnist.test.ts checks the shipped file).
 *
 *   conv 3x3 1->32 valid, ReLU, max-pool 2   [n, 13, 13, 32]
 *   conv 3x3 32->64 valid, ReLU, max-pool 2  [n, 5, 5, 64]
 *   dense 1600->128                          [n, 128]  features
 *   ReLU, dense 128->10, softmax             [n, 10]   probabilities
 *
 * Class probabilities serve the Inception Score and mode counting (Stacked
 * MNIST classifies each channel); the penultimate layer serves FID, KID and
 * precision/recall. Its features are taken before the ReLU: 36 of the 128
 * units never fire on MNIST, and a feature that is always 0 makes the FID
 * covariance singular. Dropout is a training-only layer and is absent.
 */
import * as path from 'node:path';
import { readNpz, type NpyArray } from '../io/npy.js';
import { initRuntime, PACKAGE_ROOT, tf } from '../runtime/tf.js';
import { UserError, UserRangeError } from '../util/errors.js';
import { checkImages, type Images, type Matrix } from './types.js';

export const MNIST_CLASSIFIER_FILE = path.join(
  PACKAGE_ROOT,
  'models',
  'mnist-classifier.npz',
);

export interface MnistOptions {
  /** Images per forward pass; default 1024. Bounds memory (~60 MB). */
  batchSize?: number;
}

export interface MnistClassifier {
  /** Width of the penultimate layer (128). */
  readonly featureDim: number;
  /**
   * Class probabilities `[n, 10]` (rows sum to 1) of `images`
   * `[n, 28, 28, 1]` float32 in [0, 1], 0 = black background as in MNIST.
   */
  classify(images: Images, opts?: MnistOptions): Promise<Matrix>;
  /** Penultimate pre-ReLU activations `[n, featureDim]`, same images. */
  features(images: Images, opts?: MnistOptions): Promise<Matrix>;
  /** Both outputs from one forward pass. */
  apply(
    images: Images,
    opts?: MnistOptions,
  ): Promise<{ probs: Matrix; features: Matrix }>;
  /** Frees the weights' tensors. */
  dispose(): void;
}

const SHAPES: Record<string, number[]> = {
  'conv1/kernel': [3, 3, 1, 32],
  'conv1/bias': [32],
  'conv2/kernel': [3, 3, 32, 64],
  'conv2/bias': [64],
  'dense1/kernel': [1600, 128],
  'dense1/bias': [128],
  'dense2/kernel': [128, 10],
  'dense2/bias': [10],
};

/**
 * Loads the shipped classifier (or `file`, a .npz in the same layout, see
 * scripts/train-mnist-classifier.py). Starts the tf.js runtime if the
 * caller has not (initRuntime).
 */
export async function loadMnistClassifier(
  file = MNIST_CLASSIFIER_FILE,
): Promise<MnistClassifier> {
  // Idempotent: keeps a backend the caller chose, else picks the fastest.
  await initRuntime();
  let npz: Record<string, NpyArray>;
  try {
    npz = readNpz(file);
  } catch (e) {
    throw new UserError(
      `mnist classifier: cannot load ${file} (${(e as Error).message})`,
      'reinstall modescope, or rebuild the weights with ' +
        '/usr/bin/python3 scripts/train-mnist-classifier.py',
    );
  }
  const w: Record<string, tf.Tensor> = {};
  for (const [name, shape] of Object.entries(SHAPES)) {
    const a = npz[name];
    const ok = a && a.shape.join() === shape.join() &&
      a.data instanceof Float32Array;
    if (!a || !ok) {
      throw new UserError(
        `${file}: ${name} must be float32 [${shape.join(', ')}], but got ` +
          (a ? `${a.dtype} [${a.shape.join(', ')}]` : 'nothing'),
      );
    }
    w[name] = tf.tensor(a.data, shape);
  }
  const t = <R extends tf.Rank>(k: string) => w[k] as tf.Tensor<R>;

  const forward = (x: tf.Tensor4D): [tf.Tensor2D, tf.Tensor2D] =>
    tf.tidy(() => {
      const block = (y: tf.Tensor4D, k: string) =>
        tf.maxPool(
          tf.relu(tf.add(tf.conv2d(y, t(`${k}/kernel`), 1, 'valid'),
            t(`${k}/bias`))) as tf.Tensor4D,
          2, 2, 'valid',
        );
      const h = block(block(x, 'conv1'), 'conv2');
      // NHWC flatten order (h, w, c): the training script stores dense1's
      // rows in that order.
      const flat = tf.reshape(h, [x.shape[0], 1600]) as tf.Tensor2D;
      const feats = tf.add(
        tf.matMul(flat, t('dense1/kernel')),
        t('dense1/bias'),
      ) as tf.Tensor2D;
      const logits = tf.add(tf.matMul(tf.relu(feats), t('dense2/kernel')),
        t('dense2/bias')) as tf.Tensor2D;
      return [tf.softmax(logits), feats];
    });

  const run = async (images: Images, opts: MnistOptions, where: string) => {
    checkImages(where, images, { height: 28, width: 28, channels: [1] });
    const batchSize = opts.batchSize ?? 1024;
    if (!(Number.isInteger(batchSize) && batchSize >= 1)) {
      throw new UserRangeError(
        `${where}: batchSize must be an integer >= 1, but got ${batchSize}`,
      );
    }
    const n = images.shape[0];
    const probs = { data: new Float32Array(n * 10), rows: n, cols: 10 };
    const features = { data: new Float32Array(n * 128), rows: n, cols: 128 };
    for (let start = 0; start < n; start += batchSize) {
      const b = Math.min(batchSize, n - start);
      const x = tf.tensor4d(
        images.data.subarray(start * 784, (start + b) * 784),
        [b, 28, 28, 1],
      );
      const [p, f] = forward(x);
      x.dispose();
      probs.data.set(await p.data(), start * 10);
      features.data.set(await f.data(), start * 128);
      p.dispose();
      f.dispose();
    }
    return { probs, features };
  };

  return {
    featureDim: 128,
    async classify(images, opts = {}) {
      return (await run(images, opts, 'mnist.classify')).probs;
    },
    async features(images, opts = {}) {
      return (await run(images, opts, 'mnist.features')).features;
    },
    apply(images, opts = {}) {
      return run(images, opts, 'mnist.apply');
    },
    dispose() {
      Object.values(w).forEach((x) => x.dispose());
    },
  };
}
