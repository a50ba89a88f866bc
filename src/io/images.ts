/**
 * Image folders as sample sets: every .png / .jpg / .jpeg below a folder
 * (recursively, in sorted path order), decoded with pngjs / jpeg-js into
 * `[N, H, W, C]` float32 in [0, 1] (pixel / 255). C is 1 when every pixel
 * of every image is gray (R = G = B), else 3; alpha is dropped. All images
 * must share one size: resizing would change the metrics silently.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { UserError } from '../util/errors.js';

export interface ImageSet {
  /** `[N, H, W, C]` float32 in [0, 1], C order. */
  data: Float32Array;
  shape: [number, number, number, number];
  files: string[];
}

const IMAGE_EXT = /\.(png|jpe?g)$/i;

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p));
    else if (e.isFile()) out.push(p);
  }
  return out.sort();
}

function decode(file: string, what: string): { w: number; h: number; rgba: Uint8Array } {
  const buf = fs.readFileSync(file);
  try {
    if (/\.png$/i.test(file)) {
      const png = PNG.sync.read(buf);
      return { w: png.width, h: png.height, rgba: png.data };
    }
    const img = jpeg.decode(buf, { useTArray: true, formatAsRGBA: true });
    return { w: img.width, h: img.height, rgba: img.data };
  } catch (e) {
    throw new UserError(
      `${what}: "${file}" must be a readable PNG or JPEG image, but ` +
        `decoding failed: ${(e as Error).message}`,
    );
  }
}

/** Loads every image under `dir`; `what` names the argument in errors. */
export function loadImageFolder(dir: string, what: string): ImageSet {
  const all = listFiles(dir);
  const others = all.filter((f) => !IMAGE_EXT.test(f));
  if (others.length > 0) {
    throw new UserError(
      `${what}: folder "${dir}" must hold only PNG or JPEG images, but got ` +
        `"${path.relative(dir, others[0]!)}"` +
        (others.length > 1 ? ` and ${others.length - 1} more` : ''),
      'move other files out of the folder',
    );
  }
  if (all.length === 0) {
    throw new UserError(
      `${what}: folder "${dir}" must hold at least one PNG or JPEG image, ` +
        'but got none',
    );
  }
  const decoded = all.map((f) => decode(f, what));
  const { w, h } = decoded[0]!;
  decoded.forEach((img, i) => {
    if (img.w !== w || img.h !== h) {
      throw new UserError(
        `${what}: images must all be ${w}x${h} like "${all[0]}", but ` +
          `"${all[i]}" is ${img.w}x${img.h}`,
        'resize them to one size first',
      );
    }
  });
  const gray = decoded.every(({ rgba }) => {
    for (let p = 0; p < rgba.length; p += 4) {
      if (rgba[p] !== rgba[p + 1] || rgba[p] !== rgba[p + 2]) return false;
    }
    return true;
  });
  const c = gray ? 1 : 3;
  const n = all.length;
  const data = new Float32Array(n * h * w * c);
  let o = 0;
  for (const { rgba } of decoded) {
    for (let p = 0; p < w * h; p++) {
      for (let ch = 0; ch < c; ch++) data[o++] = rgba[4 * p + ch]! / 255;
    }
  }
  return { data, shape: [n, h, w, c], files: all };
}
