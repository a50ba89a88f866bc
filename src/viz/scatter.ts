/**
 * 2-D pictures: generated points over the real density, and density
 * heatmaps of a sample set.
 *
 * Both map data to pixels with a square view (equal scale on both axes,
 * y upwards): px = (x - x0) / (x1 - x0) * size, py = (y1 - y) / (y1 - y0)
 * * size, floored. The view is chosen automatically (see `autoRange`) or
 * passed in, and returned, so that several pictures can share one view.
 */
import type { Mixture } from '../data/mixtures.js';
import { Canvas, colormap } from './canvas.js';
import type { Rgb } from './canvas.js';

/** A view of the plane: x in [x0, x1], y in [y0, y1]. */
export interface Range {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

export interface ScatterOptions {
  /** Generated points, `[n, 2]` float32. */
  samples: Float32Array;
  /** The real mixture: shaded as the background, centres marked. */
  mixture?: Mixture;
  /** Real points `[m, 2]`, shaded as a smoothed histogram (no mixture). */
  real?: Float32Array;
  /** Unused: pictures carry no text; kept so callers can pass one. */
  title?: string;
  /** Side in pixels; default 512. */
  size?: number;
  /** The view; default `autoRange(...)`. */
  range?: Range;
  /** Point radius in pixels; default 1.5 (1 above 20,000 points). */
  pointRadius?: number;
  /** Point opacity; default 0.6. */
  alpha?: number;
}

export interface PictureInfo {
  range: Range;
  width: number;
  height: number;
  /** Points outside the view, drawn on its border. */
  clamped: number;
}

const FAKE: Rgb = [230, 85, 13];
const FAKE_OUTSIDE: Rgb = [150, 30, 0];
const CENTRE: Rgb = [40, 40, 40];
const FRAME: Rgb = [160, 160, 160];

/**
 * Picks a square view covering the reference (mixture means +- 4 std, or
 * the central 99% of real points) and the central 98% of generated points,
 * padded by 8%. Far outliers do not stretch it: the view spans at most 3
 * times the reference's extent around the reference's centre.
 */
export function autoRange(opts: {
  samples?: Float32Array;
  mixture?: Mixture;
  real?: Float32Array;
}): Range {
  let ref: Range | undefined;
  if (opts.mixture) {
    const m = opts.mixture.means;
    const pad = 4 * opts.mixture.std;
    ref = boundsOf(m, 0, 1);
    ref = { x0: ref.x0 - pad, x1: ref.x1 + pad, y0: ref.y0 - pad,
      y1: ref.y1 + pad };
  } else if (opts.real && opts.real.length >= 2) {
    ref = boundsOf(opts.real, 0.005, 0.995);
  }
  let box = ref;
  if (opts.samples && opts.samples.length >= 2) {
    const f = boundsOf(opts.samples, 0.01, 0.99);
    box = box ?
        { x0: Math.min(box.x0, f.x0), x1: Math.max(box.x1, f.x1),
          y0: Math.min(box.y0, f.y0), y1: Math.max(box.y1, f.y1) }
      : f;
  }
  if (!box) return { x0: -1, x1: 1, y0: -1, y1: 1 };
  let cx = (box.x0 + box.x1) / 2;
  let cy = (box.y0 + box.y1) / 2;
  let half = Math.max(box.x1 - box.x0, box.y1 - box.y0) / 2;
  if (ref) {
    const refHalf = Math.max(ref.x1 - ref.x0, ref.y1 - ref.y0) / 2;
    if (half > 3 * refHalf) {
      half = 3 * refHalf;
      cx = (ref.x0 + ref.x1) / 2;
      cy = (ref.y0 + ref.y1) / 2;
    }
  }
  // A degenerate set (one point, or all points equal) still gets a view.
  half = Math.max(half, 1e-3 * Math.max(1, Math.abs(cx), Math.abs(cy)));
  half *= 1.08;
  return { x0: cx - half, x1: cx + half, y0: cy - half, y1: cy + half };
}

/** Quantile bounds of `[n, 2]` points, ignoring non-finite values. */
function boundsOf(p: ArrayLike<number>, lo: number, hi: number): Range {
  const q = (axis: number): [number, number] => {
    const v: number[] = [];
    for (let i = axis; i < p.length; i += 2) {
      if (Number.isFinite(p[i]!)) v.push(p[i]!);
    }
    if (v.length === 0) return [-1, 1];
    v.sort((a, b) => a - b);
    const at = (f: number) => v[Math.round(f * (v.length - 1))]!;
    return [at(lo), at(hi)];
  };
  const [x0, x1] = q(0);
  const [y0, y1] = q(1);
  return { x0, x1, y0, y1 };
}

/** Pixel coordinates of a data point (may fall outside the canvas). */
export function toPixel(
  r: Range,
  size: number,
  x: number,
  y: number,
): [number, number] {
  return [
    Math.floor(((x - r.x0) / (r.x1 - r.x0)) * size),
    Math.floor(((r.y1 - y) / (r.y1 - r.y0)) * size),
  ];
}

/**
 * Draws generated points over the real density and writes a PNG.
 * The background is the mixture's density (each mode's std widened to at
 * least 1.5 pixels so that narrow modes stay visible; display only) or a
 * smoothed histogram of `real`; mode centres get a ring at the 3-std
 * high-quality radius (at least 4 pixels). Returns the view used.
 */
export function renderScatter(file: string, opts: ScatterOptions): PictureInfo {
  const size = opts.size ?? 512;
  const range = opts.range ?? autoRange(opts);
  const c = new Canvas(size, size);
  const px = (range.x1 - range.x0) / size; // data units per pixel

  if (opts.mixture) {
    shadeMixture(c, range, opts.mixture);
  } else if (opts.real && opts.real.length >= 2) {
    const h = histogram(opts.real, range, size);
    shadeGrid(c, blur(h, size, 3), size, 1, 'light', 0.5);
  }

  if (opts.mixture) {
    const { means, std } = opts.mixture;
    const radius = Math.max(4, (3 * std) / px);
    for (let k = 0; k < means.length / 2; k++) {
      const [x, y] = toPixel(range, size, means[2 * k]!, means[2 * k + 1]!);
      c.ring(x, y, radius, CENTRE, 0.7);
      c.set(x, y, CENTRE);
    }
  }

  // The frame goes under the points, so that clamped outliers show on it.
  frame(c);
  const s = opts.samples;
  const n = s.length / 2;
  const radius = opts.pointRadius ?? (n > 20000 ? 1 : 1.5);
  const alpha = opts.alpha ?? 0.6;
  let clamped = 0;
  for (let i = 0; i < n; i++) {
    const x = s[2 * i]!;
    const y = s[2 * i + 1]!;
    if (!(Number.isFinite(x) && Number.isFinite(y))) {
      clamped++;
      continue;
    }
    let [cx, cy] = toPixel(range, size, x, y);
    if (cx < 0 || cy < 0 || cx >= size || cy >= size) {
      // Outliers sit on the border, in a darker colour, so that a
      // diverging generator shows without shrinking the real data.
      clamped++;
      cx = Math.min(size - 1, Math.max(0, cx));
      cy = Math.min(size - 1, Math.max(0, cy));
      c.disc(cx, cy, radius, FAKE_OUTSIDE, alpha);
      continue;
    }
    c.disc(cx, cy, radius, FAKE, alpha);
  }
  c.save(file);
  return { range, width: size, height: size, clamped };
}

export interface DensityOptions {
  /** Points, `[n, 2]` float32. */
  samples: Float32Array;
  /** Side in pixels; default 512. */
  size?: number;
  /** Histogram bins per axis; default 128 (each bin a block of pixels). */
  bins?: number;
  /** The view; default `autoRange({ samples })`. */
  range?: Range;
}

/**
 * A 2-D histogram heatmap of points, log-scaled (log(1 + count) over its
 * maximum), dark background, written as a PNG. Returns the view used.
 */
export function renderDensity(file: string, opts: DensityOptions): PictureInfo {
  const size = opts.size ?? 512;
  const bins = Math.min(opts.bins ?? 128, size);
  const range = opts.range ?? autoRange({ samples: opts.samples });
  const h = histogram(opts.samples, range, bins);
  let clamped = opts.samples.length / 2;
  for (let i = 0; i < h.length; i++) clamped -= h[i]!;
  for (let i = 0; i < h.length; i++) h[i] = Math.log1p(h[i]!);
  const c = new Canvas(size, size, colormap(0, 'dark'));
  shadeGrid(c, h, bins, size / bins, 'dark', 1);
  c.save(file);
  return { range, width: size, height: size, clamped };
}

/** Counts of points per cell of a `[bins, bins]` grid over the view. */
function histogram(p: Float32Array, r: Range, bins: number): Float64Array {
  const h = new Float64Array(bins * bins);
  for (let i = 0; i + 1 < p.length; i += 2) {
    const [x, y] = toPixel(r, bins, p[i]!, p[i + 1]!);
    if (x >= 0 && y >= 0 && x < bins && y < bins) h[y * bins + x]!++;
  }
  return h;
}

/** A separable Gaussian blur of a `[n, n]` grid, std `sigma` cells. */
function blur(h: Float64Array, n: number, sigma: number): Float64Array {
  const r = Math.ceil(3 * sigma);
  const w = new Float64Array(2 * r + 1);
  for (let i = -r; i <= r; i++) {
    w[i + r] = Math.exp(-(i * i) / (2 * sigma ** 2));
  }
  const tmp = new Float64Array(n * n);
  const out = new Float64Array(n * n);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      let s = 0;
      for (let i = -r; i <= r; i++) {
        const xx = x + i;
        if (xx >= 0 && xx < n) s += w[i + r]! * h[y * n + xx]!;
      }
      tmp[y * n + x] = s;
    }
  }
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      let s = 0;
      for (let i = -r; i <= r; i++) {
        const yy = y + i;
        if (yy >= 0 && yy < n) s += w[i + r]! * tmp[yy * n + x]!;
      }
      out[y * n + x] = s;
    }
  }
  return out;
}

/**
 * Paints a `[n, n]` grid of values, each cell a `cell`-pixel block, with
 * colour colormap((v / max)^gamma).
 */
function shadeGrid(
  c: Canvas,
  g: Float64Array,
  n: number,
  cell: number,
  kind: 'light' | 'dark',
  gamma: number,
): void {
  let max = 0;
  for (let i = 0; i < g.length; i++) max = Math.max(max, g[i]!);
  if (max <= 0) return;
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const v = g[y * n + x]!;
      if (v <= 0) continue;
      const col = colormap((v / max) ** gamma, kind);
      const x0 = Math.floor(x * cell);
      const y0 = Math.floor(y * cell);
      c.fillRect(x0, y0, Math.floor((x + 1) * cell) - x0,
        Math.floor((y + 1) * cell) - y0, col);
    }
  }
}

/** The mixture density at every pixel centre, shaded light. */
function shadeMixture(c: Canvas, r: Range, mix: Mixture): void {
  const size = c.width;
  const px = (r.x1 - r.x0) / size;
  const s = Math.max(mix.std, 1.5 * px);
  const inv = 1 / (2 * s * s);
  const k = mix.means.length / 2;
  // Modes farther than 4 widened stds add nothing visible: skip them.
  const cut = 16 * s * s;
  const g = new Float64Array(size * size);
  for (let m = 0; m < k; m++) {
    const w = mix.weights[m]!;
    if (w === 0) continue;
    const mx = mix.means[2 * m]!;
    const my = mix.means[2 * m + 1]!;
    const [pxc, pyc] = toPixel(r, size, mx, my);
    const rad = Math.ceil((4 * s) / px) + 1;
    for (let y = Math.max(0, pyc - rad); y < Math.min(size, pyc + rad); y++) {
      const dy = r.y1 - (y + 0.5) * px - my;
      for (let x = Math.max(0, pxc - rad); x < Math.min(size, pxc + rad);
        x++) {
        const dx = r.x0 + (x + 0.5) * px - mx;
        const d = dx * dx + dy * dy;
        if (d < cut) g[y * size + x]! += w * Math.exp(-d * inv);
      }
    }
  }
  shadeGrid(c, g, size, 1, 'light', 0.5);
}

function frame(c: Canvas): void {
  for (let i = 0; i < c.width; i++) {
    c.set(i, 0, FRAME);
    c.set(i, c.height - 1, FRAME);
  }
  for (let i = 0; i < c.height; i++) {
    c.set(0, i, FRAME);
    c.set(c.width - 1, i, FRAME);
  }
}
