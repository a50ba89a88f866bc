/**
 * Plain-array shapes shared by the feature extractors: everything crosses
 * this boundary as C-order Float32Arrays, so metrics need no tensors.
 */
import { UserRangeError } from '../util/errors.js';

/** A batch of images `[n, height, width, channels]`, C order. */
export interface Images {
  data: Float32Array;
  shape: readonly [number, number, number, number];
}

/** A row-major matrix `[rows, cols]`: one row per sample. */
export interface Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

/**
 * Checks an image batch: rank 4, a matching data length, finite values in
 * [0, 1] and, when given, the required height/width/channels.
 */
export function checkImages(
  where: string,
  images: Images,
  want: { height?: number; width?: number; channels?: number[] } = {},
): void {
  const shape = images.shape;
  const show = `[${shape.join(', ')}]`;
  if (
    shape.length !== 4 ||
    !shape.every((d) => Number.isInteger(d) && d >= 0)
  ) {
    throw new UserRangeError(
      `${where}: images must be [n, height, width, channels], but got ` +
        `shape ${show}`,
    );
  }
  const [n, h, w, c] = shape;
  const named =
    `[n, ${want.height ?? 'height'}, ${want.width ?? 'width'}, ` +
    `${want.channels?.join(' or ') ?? 'channels'}]`;
  if (
    (want.height !== undefined && h !== want.height) ||
    (want.width !== undefined && w !== want.width) ||
    (want.channels !== undefined && !want.channels.includes(c))
  ) {
    throw new UserRangeError(
      `${where}: images must be ${named}, but got ${show}`,
    );
  }
  if (n === 0 || h === 0 || w === 0) {
    throw new UserRangeError(
      `${where}: images must be at least one non-empty image, but got ` +
        `shape ${show}`,
    );
  }
  if (images.data.length !== n * h * w * c) {
    throw new UserRangeError(
      `${where}: images data must hold ${n * h * w * c} values for shape ` +
        `${show}, but got ${images.data.length}`,
    );
  }
  const d = images.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (!(v >= 0 && v <= 1)) {
      throw new UserRangeError(
        `${where}: image values must be finite and in [0, 1], but got ` +
          `${v} at index ${i}`,
        'scale pixels to [0, 1] (uint8 / 255; tanh outputs (x + 1) / 2)',
      );
    }
  }
}
