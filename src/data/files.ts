/**
 * User data from .npy, .npz and .csv files.
 *
 * Rank decides the kind:
 * - `[N, D]` (and every CSV): vectors, kept exactly as stored, whatever the
 *   dtype. They are not standardised, so that samples, mode metrics and
 *   scatter plots stay in the user's units; a generator with a tanh output
 *   needs them scaled into [-1, 1] beforehand.
 * - `[N, H, W]` (grey) or `[N, H, W, C]`: images. uint8 images are mapped to
 *   [-1, 1] by v / 127.5 - 1; images of any other dtype are taken to be in
 *   [-1, 1] already, and a value outside it is an error rather than a
 *   silent rescale (guessing between [0, 1], [0, 255] and [-1, 1] goes wrong
 *   quietly).
 * A .npz archive gives the member named by `array`, else its first one.
 * Every value must be finite: a NaN or infinity is an error naming the file
 * and the element.
 */
import * as path from 'node:path';
import { readNpy, readNpz, toFloat32 } from '../io/npy.js';
import type { NpyArray } from '../io/npy.js';
import { readCsv } from '../io/csv.js';
import { UserError } from '../util/errors.js';
import { UINT8_TO_UNIT } from './mnist.js';

export interface FileArray {
  /** `[N, D]`, `[N, H, W, 1]` or `[N, H, W, C]`. */
  shape: number[];
  /** Values in C order, images already in [-1, 1]. */
  data: Float32Array;
  isImage: boolean;
}

export interface FileOptions {
  /** The .npz member to use; default the first one. */
  array?: string;
  /** Keep only the first `limit` rows. */
  limit?: number;
  /** The flag or argument naming the file in errors; default `--data`. */
  what?: string;
}

/** Reads and validates a user data file (see the file comment). */
export function readDataFile(file: string, opts: FileOptions = {}): FileArray {
  const what = opts.what ?? '--data';
  const where = `${what} (${file})`;
  const ext = path.extname(file).toLowerCase();
  let shape: number[];
  let raw: NpyArray;
  if (ext === '.csv') {
    const m = readCsv(file, what);
    raw = { dtype: '<f4', shape: m.shape, data: m.data };
  } else if (ext === '.npz') {
    const members = readNpz(file, what);
    const names = Object.keys(members);
    const name = opts.array ?? names[0];
    if (name === undefined || !(name in members)) {
      throw new UserError(
        `${where}: array must be one of ${names.join(', ') || '(none)'}, ` +
          `but got ${JSON.stringify(opts.array ?? '')}`,
      );
    }
    raw = members[name]!;
  } else {
    raw = readNpy(file, what);
  }
  shape = raw.shape.slice();
  if (shape.length === 3) shape = [...shape, 1];
  if (!(shape.length === 2 || shape.length === 4)) {
    throw new UserError(
      `${where}: the array must be [N, D] vectors or [N, H, W(, C)] ` +
        `images, but got shape [${raw.shape.join(', ')}]`,
      raw.shape.length === 1 ? 'reshape it to (N, 1)' : undefined,
    );
  }
  const rowSize = shape.slice(1).reduce((a, b) => a * b, 1);
  if (shape[0] === 0 || rowSize === 0) {
    throw new UserError(
      `${where}: the array must hold at least one non-empty row, ` +
        `but got shape [${raw.shape.join(', ')}]`,
    );
  }
  const limit = opts.limit ?? Infinity;
  const n = Math.min(shape[0]!, limit);
  shape[0] = n;
  const isImage = shape.length === 4;
  const isUint8 = raw.dtype === '|u1' || raw.dtype === 'u1';
  let data: Float32Array;
  if (isImage && isUint8) {
    data = new Float32Array(n * rowSize);
    for (let i = 0; i < data.length; i++) {
      data[i] = UINT8_TO_UNIT[raw.data[i]!]!;
    }
  } else {
    data = toFloat32(raw).subarray(0, n * rowSize);
  }
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) {
      throw new UserError(
        `${where}: every value must be finite, but got ${v} at ` +
          `${indexText(i, shape)}`,
      );
    }
    if (isImage && !isUint8 && (v < -1.0001 || v > 1.0001)) {
      throw new UserError(
        `${where}: ${raw.dtype} image values must be in [-1, 1], but got ` +
          `${v} at ${indexText(i, shape)}`,
        'save images as uint8 (0..255), or scale them to [-1, 1]',
      );
    }
  }
  return { shape, data, isImage };
}

function indexText(flat: number, shape: number[]): string {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(flat % shape[d]!);
    flat = Math.floor(flat / shape[d]!);
  }
  return `[${idx.join(', ')}]`;
}
