/**
 * A minimal RGB raster with alpha blending, encoded to PNG by pngjs.
 *
 * Pixel (x, y) has x to the right and y downwards, (0, 0) top-left. No text
 * and no anti-aliasing: pictures are meant to be read by eye at 1:1.
 */
import { PNG } from 'pngjs';
import { writeFileAtomic } from '../io/atomic.js';

export type Rgb = readonly [number, number, number];

export class Canvas {
  /** `[height, width, 4]` uint8 RGBA, alpha always 255. */
  readonly data: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = [255, 255, 255],
  ) {
    if (!(Number.isInteger(width) && Number.isInteger(height)) ||
        width < 1 || height < 1) {
      throw new RangeError(
        `Canvas: size must be positive integers, but got ${width}x${height}`,
      );
    }
    this.data = new Uint8Array(width * height * 4);
    this.fillRect(0, 0, width, height, background);
  }

  /** Sets a pixel; coordinates outside the canvas are ignored. */
  set(x: number, y: number, c: Rgb): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const o = (y * this.width + x) * 4;
    this.data[o] = c[0];
    this.data[o + 1] = c[1];
    this.data[o + 2] = c[2];
    this.data[o + 3] = 255;
  }

  /** Blends `c` over a pixel with opacity `alpha` in [0, 1]. */
  blend(x: number, y: number, c: Rgb, alpha: number): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const o = (y * this.width + x) * 4;
    const d = this.data;
    d[o] = Math.round(d[o]! + (c[0] - d[o]!) * alpha);
    d[o + 1] = Math.round(d[o + 1]! + (c[1] - d[o + 1]!) * alpha);
    d[o + 2] = Math.round(d[o + 2]! + (c[2] - d[o + 2]!) * alpha);
  }

  /** `[r, g, b]` of a pixel. */
  get(x: number, y: number): [number, number, number] {
    const o = (y * this.width + x) * 4;
    return [this.data[o]!, this.data[o + 1]!, this.data[o + 2]!];
  }

  fillRect(x0: number, y0: number, w: number, h: number, c: Rgb): void {
    for (let y = y0; y < y0 + h; y++) {
      for (let x = x0; x < x0 + w; x++) this.set(x, y, c);
    }
  }

  /** A filled disc of `radius` pixels around (cx, cy), blended. */
  disc(cx: number, cy: number, radius: number, c: Rgb, alpha = 1): void {
    const r = Math.floor(radius);
    const r2 = radius * radius;
    for (let dy = -r; dy <= r; dy++) {
      for (let dx = -r; dx <= r; dx++) {
        if (dx * dx + dy * dy <= r2) this.blend(cx + dx, cy + dy, c, alpha);
      }
    }
  }

  /** A one-pixel circle outline of `radius` pixels around (cx, cy). */
  ring(cx: number, cy: number, radius: number, c: Rgb, alpha = 1): void {
    // One point per pixel of circumference, deduplicated by a key set so
    // that blending does not darken pixels visited twice.
    const seen = new Set<number>();
    const steps = Math.max(16, Math.ceil(2 * Math.PI * radius * 2));
    for (let i = 0; i < steps; i++) {
      const a = (2 * Math.PI * i) / steps;
      const x = Math.round(cx + radius * Math.cos(a));
      const y = Math.round(cy + radius * Math.sin(a));
      const key = y * (this.width + 1) + x;
      if (seen.has(key)) continue;
      seen.add(key);
      this.blend(x, y, c, alpha);
    }
  }

  /** The PNG file's bytes (8-bit RGB). */
  encode(): Uint8Array {
    const png = new PNG({ width: this.width, height: this.height });
    png.data = Buffer.from(
      this.data.buffer,
      this.data.byteOffset,
      this.data.byteLength,
    );
    return PNG.sync.write(png, { colorType: 2, inputHasAlpha: true });
  }

  /** Writes the PNG atomically. */
  save(file: string): void {
    writeFileAtomic(file, this.encode());
  }
}

/** Decodes a PNG's bytes into a Canvas (for tests and tools). */
export function decodePng(bytes: Uint8Array): Canvas {
  const png = PNG.sync.read(Buffer.from(bytes));
  const c = new Canvas(png.width, png.height);
  c.data.set(png.data);
  return c;
}

/**
 * A sequential colour map for densities: t in [0, 1] (0 = none) to RGB.
 * `light` runs from white through pale blue to deep blue, a background
 * that orange points stand out on; `dark` runs from near-black through
 * purple and orange to pale yellow, for heatmaps read on their own.
 */
export function colormap(t: number, kind: 'light' | 'dark'): Rgb {
  const stops = kind === 'light' ? LIGHT : DARK;
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
  const f = x * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(f));
  const u = f - i;
  const a = stops[i]!;
  const b = stops[i + 1]!;
  return [
    Math.round(a[0] + (b[0] - a[0]) * u),
    Math.round(a[1] + (b[1] - a[1]) * u),
    Math.round(a[2] + (b[2] - a[2]) * u),
  ];
}

const LIGHT: Rgb[] = [
  [255, 255, 255],
  [214, 230, 244],
  [140, 186, 222],
  [66, 134, 196],
  [16, 72, 140],
];

const DARK: Rgb[] = [
  [8, 8, 24],
  [72, 22, 110],
  [170, 50, 110],
  [240, 120, 50],
  [252, 240, 170],
];
