/**
 * Bilinear resize that reproduces PyTorch's F.interpolate(mode='bilinear',
 * align_corners=False, antialias=False) on CPU to float32 rounding.
 *
 * tf.js's resizeBilinear with halfPixelCenters uses the same formula,
 *   src = (dst + 0.5) in / out - 0.5,  clamped at 0,
 * but computes it in double, while PyTorch rounds the ratio in/out to
 * float32 first (then works in double). At 300-pixel inputs that moves the
 * source index by ~1e-5 and the pixels by up to 4e-5, which is visible at
 * the 1e-4 tolerance Inception features are checked to. So the resize is
 * two matrix products with weights built as PyTorch 1.13 builds them:
 *   out = R_h x R_w^T  per image and channel,  R `[out, in]`
 * with two non-zeros per row (one when out == in: the identity).
 */
import { tf } from '../runtime/tf.js';

/**
 * The `[outSize, inSize]` interpolation matrix of one axis, float32:
 * row d holds weight 1 - f at floor(src) and f at floor(src) + 1 (clamped
 * to the last pixel), f = src - floor(src).
 */
export function bilinearMatrix(inSize: number, outSize: number): Float32Array {
  const m = new Float32Array(outSize * inSize);
  if (inSize === outSize) {
    for (let d = 0; d < outSize; d++) m[d * inSize + d] = 1;
    return m;
  }
  const scale = Math.fround(inSize / outSize);
  for (let d = 0; d < outSize; d++) {
    const src = Math.max(scale * (d + 0.5) - 0.5, 0);
    const i0 = Math.floor(src);
    const i1 = i0 < inSize - 1 ? i0 + 1 : i0;
    const f = src - i0;
    m[d * inSize + i0] += Math.fround(1 - f);
    m[d * inSize + i1] += Math.fround(f);
  }
  return m;
}

/**
 * Resizes `images` `[n, height, width, channels]` float32 to
 * `[n, outHeight, outWidth, channels]` as PyTorch's bilinear interpolate
 * with align_corners=False does. Width is interpolated first, as PyTorch
 * does, so the float32 sums round in the same order.
 */
export function resizeBilinearTorch(
  images: tf.Tensor4D,
  outHeight: number,
  outWidth: number,
): tf.Tensor4D {
  const [n, h, w, c] = images.shape;
  if (h === outHeight && w === outWidth) return tf.clone(images);
  return tf.tidy(() => {
    const rw = tf.tensor2d(bilinearMatrix(w, outWidth), [outWidth, w]);
    const rh = tf.tensor2d(bilinearMatrix(h, outHeight), [outHeight, h]);
    // [n, h, w, c] -> [n, c, h, w] -> rows of width w
    const x = tf.reshape(tf.transpose(images, [0, 3, 1, 2]), [n * c * h, w]);
    const xw = tf.matMul(x, rw, false, true); // [n c h, outW]
    const t = tf.transpose(tf.reshape(xw, [n * c, h, outWidth]), [0, 2, 1]);
    const xh = tf.matMul(tf.reshape(t, [n * c * outWidth, h]), rh, false, true);
    // [n, c, outW, outH] -> [n, outH, outW, c]
    return tf.transpose(
      tf.reshape(xh, [n, c, outWidth, outHeight]),
      [0, 3, 2, 1],
    ) as tf.Tensor4D;
  });
}
