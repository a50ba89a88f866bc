/**
 * PNG pictures of samples and densities, in pure JS (pngjs), written
 * atomically: `renderScatter` (2-D points over the real density),
 * `renderDensity` (a 2-D histogram heatmap) and `renderGrid` (image tiles).
 */
export { Canvas, colormap, decodePng } from './canvas.js';
export type { Rgb } from './canvas.js';
export {
  autoRange,
  renderDensity,
  renderScatter,
  toPixel,
} from './scatter.js';
export type {
  DensityOptions,
  PictureInfo,
  Range,
  ScatterOptions,
} from './scatter.js';
export { gridCanvas, renderGrid } from './grid.js';
export type { GridOptions } from './grid.js';
