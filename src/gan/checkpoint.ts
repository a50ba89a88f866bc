/**
 * Checkpoints: everything a run needs to continue exactly where it stopped
 * (parameters, network state, optimiser moments, random streams, step), in
 * one .npz archive written atomically. A crash while writing leaves the
 * previous checkpoint intact.
 *
 * Archive members: `g/<param>`, `gs/<state>`, `d/<param>`, `ds/<state>`,
 * `og/<slot>/<param>`, `od/<slot>/<param>` (float32), and `meta` (the UTF-8
 * JSON of CheckpointMeta as uint8).
 */
import { tf } from '../runtime/tf.js';
import type { TensorMap } from '../nn/types.js';
import { readNpz, writeNpz, type NpyArray } from '../io/npy.js';
import { Rng } from '../util/rng.js';
import { UserError } from '../util/errors.js';
import type { RunState } from './trainer.js';
import type { OptState } from './optim.js';

export const CHECKPOINT_FILE = 'checkpoint.npz';
const VERSION = 1;

interface CheckpointMeta {
  version: number;
  step: number;
  optGStep: number;
  optDStep: number;
  streams: Record<string, { s: number[]; spare: number | null }>;
  /** The configuration the run was started with (checked on resume). */
  config: unknown;
}

type Members = Record<string, { shape: number[]; data: Float32Array | Uint8Array }>;

function put(
  out: Members,
  prefix: string,
  m: TensorMap,
): void {
  for (const [k, t] of Object.entries(m)) {
    out[`${prefix}/${k}`] = {
      shape: t.shape,
      data: Float32Array.from(t.dataSync() as Float32Array),
    };
  }
}

export function saveCheckpoint(file: string, run: RunState, config: unknown): void {
  const arrays: Members = {};
  put(arrays, 'g', run.gParams);
  put(arrays, 'gs', run.gState);
  put(arrays, 'd', run.dParams);
  put(arrays, 'ds', run.dState);
  for (const [slot, m] of Object.entries(run.optG.slots)) put(arrays, `og/${slot}`, m);
  for (const [slot, m] of Object.entries(run.optD.slots)) put(arrays, `od/${slot}`, m);
  const meta: CheckpointMeta = {
    version: VERSION,
    step: run.step,
    optGStep: run.optG.step,
    optDStep: run.optD.step,
    streams: Object.fromEntries(
      Object.entries(run.streams).map(([k, r]) => [k, (r as Rng).getState()]),
    ),
    config,
  };
  const bytes = new TextEncoder().encode(JSON.stringify(meta));
  arrays.meta = { shape: [bytes.length], data: bytes };
  writeNpz(file, arrays);
}

export interface LoadedCheckpoint {
  run: RunState;
  config: unknown;
}

export function loadCheckpoint(file: string): LoadedCheckpoint {
  const npz = readNpz(file, 'checkpoint');
  const metaArr = npz.meta;
  if (!metaArr) {
    throw new UserError(`checkpoint (${file}): the archive has no "meta" member`);
  }
  const meta = JSON.parse(
    new TextDecoder().decode(metaArr.data as Uint8Array),
  ) as CheckpointMeta;
  if (meta.version !== VERSION) {
    throw new UserError(
      `checkpoint (${file}): version must be ${VERSION}, but got ${meta.version}`,
    );
  }
  const take = (prefix: string): TensorMap => {
    const m: TensorMap = {};
    for (const [k, a] of Object.entries(npz)) {
      if (!k.startsWith(`${prefix}/`)) continue;
      const rest = k.slice(prefix.length + 1);
      m[rest] = toTensor(a);
    }
    return m;
  };
  const slots = (prefix: string): Record<string, TensorMap> => {
    const out: Record<string, TensorMap> = {};
    for (const k of Object.keys(npz)) {
      if (!k.startsWith(`${prefix}/`)) continue;
      const slot = k.slice(prefix.length + 1).split('/')[0]!;
      out[slot] ??= take(`${prefix}/${slot}`);
    }
    return out;
  };
  const optG: OptState = { step: meta.optGStep, slots: slots('og') };
  const optD: OptState = { step: meta.optDStep, slots: slots('od') };
  const s = meta.streams;
  return {
    config: meta.config,
    run: {
      step: meta.step,
      gParams: take('g'),
      gState: take('gs'),
      dParams: take('d'),
      dState: take('ds'),
      optG,
      optD,
      streams: {
        data: Rng.fromState(s.data!),
        z: Rng.fromState(s.z!),
        aux: Rng.fromState(s.aux!),
        eval: Rng.fromState(s.eval!),
      },
    },
  };
}

function toTensor(a: NpyArray): tf.Tensor {
  const data = a.data instanceof Float32Array ? a.data : Float32Array.from(a.data);
  return tf.tensor(data, a.shape, 'float32');
}
