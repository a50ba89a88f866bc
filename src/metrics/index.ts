/** The metrics suite: quality, diversity and collapse of sample sets. */
export * from './features.js';
export * from './fid.js';
export * from './kid.js';
export * from './prdc.js';
export * from './emd.js';
export * from './inception-score.js';
export * from './stacked.js';
export * from './diversity.js';
export * from './verdict.js';
export { modeStats, type ModeStats } from './modes.js';
