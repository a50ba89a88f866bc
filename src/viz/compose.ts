/**
 * Composite pictures: several PNGs side by side, for comparisons such as
 * the demo's baseline next to its remedy.
 */
import * as fs from 'node:fs';
import { Canvas, decodePng } from './canvas.js';
import type { Mixture } from '../data/mixtures.js';
import type { Range } from './scatter.js';

/** Writes the PNG `files` left to right, `gap` white pixels apart. */
export function sideBySide(files: string[], out: string, gap = 12): void {
  const pics = files.map((f) => decodePng(fs.readFileSync(f)));
  const width = pics.reduce((w, p) => w + p.width, 0) + gap * (pics.length - 1);
  const height = Math.max(...pics.map((p) => p.height));
  const c = new Canvas(width, height);
  let x0 = 0;
  for (const p of pics) {
    for (let y = 0; y < p.height; y++) {
      c.data.set(
        p.data.subarray(y * p.width * 4, (y + 1) * p.width * 4),
        (y * width + x0) * 4,
      );
    }
    x0 += p.width + gap;
  }
  c.save(out);
}

/**
 * A fixed square view around a mixture: its means' bounding box grown by a
 * quarter of its extent on every side, so that pictures of different runs
 * on the same mixture share one scale and collapsed runs' stray points
 * remain visible.
 */
export function mixtureRange(mix: Mixture): Range {
  const m = mix.means;
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let i = 0; i < m.length; i += 2) {
    x0 = Math.min(x0, m[i]!);
    x1 = Math.max(x1, m[i]!);
    y0 = Math.min(y0, m[i + 1]!);
    y1 = Math.max(y1, m[i + 1]!);
  }
  const half = Math.max(x1 - x0, y1 - y0) / 2;
  const pad = Math.max(half * 0.5, 10 * mix.std);
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  return { x0: cx - half - pad, x1: cx + half + pad, y0: cy - half - pad, y1: cy + half + pad };
}
