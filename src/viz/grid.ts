/**
 * Image grids: generated or real images tiled in rows, for samples.png.
 *
 * Layout: tiles of `scale * W` by `scale * H` pixels, separated from each
 * other and from the border by 1-pixel grey lines, so a grid of R rows and
 * C columns is (C (scale W + 1) + 1) by (R (scale H + 1) + 1) pixels.
 * Values map from [-1, 1] to 0..255 by round((v + 1) * 127.5), clamped;
 * one channel is drawn grey, three as RGB; NaN pixels are magenta so a
 * diverged generator is obvious.
 */
import { Canvas } from './canvas.js';
import type { Rgb } from './canvas.js';

export interface GridOptions {
  /** Images `[n, H, W, C]` float32 in [-1, 1], C = 1 or 3. */
  images: Float32Array;
  /** `[n, H, W, C]`, the shape of `images`. */
  shape: readonly number[];
  /** Tiles per row; default ceil(sqrt(n)). */
  cols?: number;
  /** Integer upscaling of each tile; default 2 below 64 pixels, else 1. */
  scale?: number;
}

const SEPARATOR: Rgb = [128, 128, 128];
const NAN: Rgb = [255, 0, 255];

/** Tiles images into a grid and writes a PNG; returns its size. */
export function renderGrid(
  file: string,
  opts: GridOptions,
): { width: number; height: number } {
  const c = gridCanvas(opts);
  c.save(file);
  return { width: c.width, height: c.height };
}

/** The grid as a Canvas, without writing it (see renderGrid). */
export function gridCanvas(opts: GridOptions): Canvas {
  const shape = opts.shape;
  if (shape.length !== 4 || !(shape[3] === 1 || shape[3] === 3)) {
    throw new RangeError(
      `renderGrid: shape must be [n, H, W, C] with C = 1 or 3, but got ` +
        `[${shape.join(', ')}]`,
    );
  }
  const [n, h, w, ch] = shape as [number, number, number, number];
  if (n < 1 || opts.images.length !== n * h * w * ch) {
    throw new RangeError(
      `renderGrid: images must hold n * H * W * C = ${n * h * w * ch} >= 1 ` +
        `values for shape [${shape.join(', ')}], but got ` +
        `${opts.images.length}`,
    );
  }
  const cols = Math.min(n, opts.cols ?? Math.ceil(Math.sqrt(n)));
  const rows = Math.ceil(n / cols);
  const scale = opts.scale ?? (Math.max(h, w) < 64 ? 2 : 1);
  const tw = w * scale + 1;
  const th = h * scale + 1;
  const c = new Canvas(cols * tw + 1, rows * th + 1, SEPARATOR);
  const img = opts.images;
  const px: [number, number, number] = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    const ox = 1 + (i % cols) * tw;
    const oy = 1 + Math.floor(i / cols) * th;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const base = ((i * h + y) * w + x) * ch;
        let bad = false;
        for (let k = 0; k < 3; k++) {
          const v = img[base + (ch === 3 ? k : 0)]!;
          if (Number.isNaN(v)) bad = true;
          px[k] = Math.round((Math.min(1, Math.max(-1, v)) + 1) * 127.5);
        }
        c.fillRect(ox + x * scale, oy + y * scale, scale, scale,
          bad ? NAN : px);
      }
    }
  }
  return c;
}
