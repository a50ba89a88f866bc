/**
 * Resolves a run's configuration from a preset, an optional JSON file and
 * flag overrides, and loads its dataset.
 */
import * as fs from 'node:fs';
import { loadDataset, type Dataset } from '../data/index.js';
import { isMixtureName, numModes, getMixture } from '../data/mixtures.js';
import { UserError } from '../util/errors.js';
import {
  FLAG_ALIASES,
  deepMerge,
  setByPath,
  validateConfig,
  type TrainConfig,
} from './config.js';
import {
  LOW_DIVERSITY_KEEP,
  PRESETS,
  getPreset,
  presetConfig,
  type DataKind,
} from './presets.js';

export interface ResolveInput {
  data: string;
  preset: string;
  /** Path of a JSON file with configuration fields. */
  configFile?: string;
  /** Field overrides from flags: dotted path or alias -> raw string. */
  overrides?: Record<string, string>;
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new UserError(`modescope train: --config file "${file}" cannot be read`);
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      throw new Error('not an object');
    }
    return v as Record<string, unknown>;
  } catch (e) {
    throw new UserError(
      `modescope train: --config file "${file}" must be a JSON object, ` +
        `but got invalid JSON (${(e as Error).message})`,
    );
  }
}

function dataKind(d: Dataset): DataKind {
  if (d.sampleShape.length === 3) return 'image';
  if (d.mixture) return 'toy';
  return 'vector';
}

export async function resolveRun(
  input: ResolveInput,
): Promise<{ cfg: TrainConfig; dataset: Dataset }> {
  const preset = getPreset(input.preset);
  if (!preset) {
    throw new UserError(
      `modescope train: --preset must be one of ` +
        `${PRESETS.map((p) => p.name).join(', ')}, but got "${input.preset}"`,
    );
  }
  const file = input.configFile ? readConfigFile(input.configFile) : {};
  const overrides = { ...(input.overrides ?? {}) };

  // Mixture options are needed to load the data, before the rest.
  const probe = presetConfig(input.preset, 'toy', input.data);
  let cfg0 = deepMerge(probe, file);
  cfg0 = applyOverrides(cfg0, overrides, ['weights', 'drop']);
  if (
    input.preset === 'cause-low-diversity' &&
    !('drop' in file) &&
    !('drop' in overrides) &&
    isMixtureName(input.data)
  ) {
    const keep = new Set(LOW_DIVERSITY_KEEP[input.data] ?? [0]);
    const k = numModes(getMixture(input.data));
    cfg0.drop = Array.from({ length: k }, (_, i) => i).filter((i) => !keep.has(i));
  }
  // Only non-default mixture options reach the loader, which rejects them
  // for data without modes.
  const dataset = await loadDataset(input.data, {
    ...(cfg0.weights !== 'uniform' ? { weights: cfg0.weights } : {}),
    ...(cfg0.drop.length > 0 ? { drop: cfg0.drop } : {}),
  });

  let cfg = presetConfig(input.preset, dataKind(dataset), input.data);
  cfg = deepMerge(cfg, file);
  cfg.weights = cfg0.weights;
  cfg.drop = cfg0.drop;
  cfg.data = input.data;
  cfg.preset = input.preset;
  cfg = applyOverrides(cfg, overrides);
  validateConfig(cfg);
  return { cfg, dataset };
}

/**
 * Applies flag overrides (only those whose field is in `only`, when given).
 * Applied overrides are removed from `overrides`.
 */
function applyOverrides(
  cfg: TrainConfig,
  overrides: Record<string, string>,
  only?: string[],
): TrainConfig {
  const out = structuredClone(cfg) as unknown as Record<string, unknown>;
  for (const [flag, raw] of Object.entries(overrides)) {
    const path = FLAG_ALIASES[flag] ?? flag;
    if (only && !only.includes(path)) continue;
    if (path === 'weights') {
      out.weights = /^[\d.,\s]+$/.test(raw)
        ? raw.split(',').filter((x) => x.trim() !== '').map(Number)
        : raw;
    } else {
      setByPath(out, path, raw, `--${flag}`);
    }
  }
  return out as unknown as TrainConfig;
}
