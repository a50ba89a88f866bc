/**
 * Reads PyTorch checkpoints (torch.save files) without Python, in both of
 * PyTorch's serialisations:
 *
 * - zip (the default since PyTorch 1.6): `<name>/data.pkl` pickles the
 *   object; each storage is a raw little-endian file `<name>/data/<key>`.
 * - legacy: five things back to back in one stream: a pickled magic number,
 *   a pickled protocol version (1001), a pickled dict of system info, the
 *   object pickle, a pickled list of storage keys; then, for each key in that
 *   order, an int64 element count and the storage's raw bytes.
 *
 * In both, a tensor is a call to torch._utils._rebuild_tensor_v2(storage,
 * offset, size, stride, ...) whose storage comes back through a persistent
 * id. Views that share a storage (a transpose, a slice) each get their own
 * copy here, in C order. Only CPU-independent data matters: the saved device
 * ('cpu', 'cuda:0') is ignored.
 */
import * as fs from 'node:fs';
import { unzipSync } from 'fflate';
import { UserError } from '../util/errors.js';
import { PyGlobal, PyObject, unpickle } from './pickle.js';

export type TorchDtype =
  | 'float32'
  | 'float64'
  | 'float16'
  | 'bfloat16'
  | 'int64'
  | 'int32'
  | 'int16'
  | 'int8'
  | 'uint8'
  | 'bool';

export type TorchData =
  | Float32Array
  | Float64Array
  | BigInt64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array;

/**
 * A tensor read from a checkpoint, copied into C order. float16 and
 * bfloat16 are widened to Float32Array; int64 stays exact in a BigInt64Array;
 * bool is a Uint8Array of 0/1.
 */
export interface TorchTensor {
  dtype: TorchDtype;
  shape: number[];
  data: TorchData;
}

interface Storage {
  dtype: TorchDtype;
  numel: number;
  /** Raw little-endian bytes; null until the legacy format's tail is read. */
  bytes: Uint8Array | null;
}

const STORAGE_TYPES: Record<string, TorchDtype> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

const ITEM_SIZE: Record<TorchDtype, number> = {
  float32: 4, float64: 8, float16: 2, bfloat16: 2, int64: 8, int32: 4,
  int16: 2, int8: 1, uint8: 1, bool: 1,
};

/** A storage type named in a pickle, e.g. torch.FloatStorage. */
class StorageType {
  constructor(readonly dtype: TorchDtype) {}
}

/** A tensor whose storage bytes may not have been read yet. */
interface Pending {
  tensor: TorchTensor;
  storage: Storage;
  offset: number;
  stride: number[];
}

// The legacy format's first pickle: a fixed 80-bit number.
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

/** Reads a checkpoint file; see parseTorch. */
export function readTorch(file: string, what = file): unknown {
  let buf: Uint8Array;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(`${what}: cannot read the file (${code ?? e})`);
  }
  return parseTorch(buf, what);
}

/**
 * Parses a torch.save file held in memory and returns the saved object with
 * every tensor as a TorchTensor (dicts are Maps, lists and tuples arrays).
 * `where` names the file in errors.
 */
export function parseTorch(input: Uint8Array, where: string): unknown {
  // A plain view: Buffer's slice() shares memory, Uint8Array's copies.
  const buf = new Uint8Array(input.buffer, input.byteOffset, input.length);
  const isZip = buf[0] === 0x50 && buf[1] === 0x4b;
  if (isZip) return parseZip(buf, where);
  if (buf[0] === 0x80) return parseLegacy(buf, where);
  throw new UserError(
    `${where}: not a PyTorch checkpoint (neither a zip archive nor a pickle)`,
    'pass a file written by torch.save',
  );
}

/** A checkpoint's tensors by dotted name, for state dicts. */
export function readStateDict(
  file: string,
  what = file,
): Map<string, TorchTensor> {
  const obj = readTorch(file, what);
  // Training checkpoints often wrap the weights: {'state_dict': {...}}.
  const inner =
    obj instanceof Map && obj.get('state_dict') instanceof Map
      ? obj.get('state_dict')
      : obj;
  if (!(inner instanceof Map)) {
    throw new UserError(
      `${what}: the checkpoint must hold a state dict, but it holds ` +
        `${typeName(inner)}`,
      'save model.state_dict(), not the model object',
    );
  }
  const out = new Map<string, TorchTensor>();
  flatten(inner as Map<unknown, unknown>, '', out);
  return out;
}

function flatten(
  m: Map<unknown, unknown>,
  prefix: string,
  out: Map<string, TorchTensor>,
): void {
  for (const [k, v] of m) {
    const name = `${prefix}${String(k)}`;
    if (isTorchTensor(v)) out.set(name, v);
    else if (v instanceof Map) flatten(v, `${name}.`, out);
  }
}

/** True for the tensors parseTorch returns. */
export function isTorchTensor(v: unknown): v is TorchTensor {
  return (
    typeof v === 'object' &&
    v !== null &&
    'dtype' in v &&
    'shape' in v &&
    'data' in v &&
    ArrayBuffer.isView((v as TorchTensor).data)
  );
}

function typeName(v: unknown): string {
  if (v instanceof PyObject) return `an object of class ${v.cls}`;
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'None';
  return `a ${typeof v}`;
}

/** Unpickles the object pickle, recording storages and pending tensors. */
function loadObject(
  buf: Uint8Array,
  offset: number,
  where: string,
  storageFor: (key: string, dtype: TorchDtype, numel: number) => Storage,
): { value: unknown; end: number; pending: Pending[] } {
  const pending: Pending[] = [];
  const rebuild = (args: unknown[]): TorchTensor => {
    const [storage, offset, size, stride] = args;
    if (
      !(typeof storage === 'object' && storage && 'numel' in storage) ||
      typeof offset !== 'number' ||
      !isIntList(size) ||
      !isIntList(stride) ||
      size.length !== stride.length
    ) {
      throw new UserError(`${where}: a tensor record is malformed`);
    }
    const s = storage as Storage;
    const tensor: TorchTensor = {
      dtype: s.dtype,
      shape: size,
      data: new Uint8Array(0),
    };
    pending.push({ tensor, storage: s, offset, stride });
    return tensor;
  };
  const findClass = (module: string, name: string): unknown => {
    if (module === 'collections' && name === 'OrderedDict') {
      return () => new Map();
    }
    if (module === 'torch._utils') {
      if (name === '_rebuild_tensor_v2' || name === '_rebuild_tensor') {
        return rebuild;
      }
      // A Parameter is its tensor plus requires_grad, which we drop.
      if (name === '_rebuild_parameter') return (a: unknown[]) => a[0];
    }
    if (module === 'torch' && name in STORAGE_TYPES) {
      return new StorageType(STORAGE_TYPES[name]!);
    }
    return undefined;
  };
  const persistentLoad = (pid: unknown): Storage => {
    // ('storage', storage_type, key, location, numel[, view_metadata])
    if (!Array.isArray(pid) || pid[0] !== 'storage') {
      throw new UserError(`${where}: unknown persistent id ${String(pid)}`);
    }
    const [, type, key, , numel, view] = pid as unknown[];
    if (type instanceof PyGlobal) {
      throw new UserError(
        `${where}: storage type ${type} is not supported`,
        'convert the tensors to float32 before torch.save',
      );
    }
    if (!(type instanceof StorageType) || typeof numel !== 'number') {
      throw new UserError(`${where}: a storage record is malformed`);
    }
    if (view !== undefined && view !== null) {
      throw new UserError(
        `${where}: storage views (PyTorch < 0.4 checkpoints) are not ` +
          `supported`,
        'load and re-save the file with a current PyTorch',
      );
    }
    return storageFor(String(key), type.dtype, numel);
  };
  const { value, end } = unpickle(buf, offset, {
    where,
    findClass,
    persistentLoad,
  });
  return { value, end, pending };
}

function isIntList(v: unknown): v is number[] {
  return (
    Array.isArray(v) &&
    v.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 0)
  );
}

function parseZip(buf: Uint8Array, where: string): unknown {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(buf);
  } catch (e) {
    throw new UserError(
      `${where}: the zip archive is corrupt (${(e as Error).message})`,
      'check that the file was copied whole',
    );
  }
  const pkl = Object.keys(files).find((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pkl === undefined) {
    throw new UserError(
      `${where}: not a PyTorch checkpoint (the zip has no <name>/data.pkl)`,
    );
  }
  const prefix = pkl.slice(0, -'data.pkl'.length);
  const order = files[`${prefix}byteorder`];
  if (order && new TextDecoder().decode(order) !== 'little') {
    throw new UserError(`${where}: big-endian checkpoints are not supported`);
  }
  const storages = new Map<string, Storage>();
  const { value, pending } = loadObject(
    files[pkl]!,
    0,
    where,
    (key, dtype, numel) => {
      let s = storages.get(key);
      if (!s) {
        const bytes = files[`${prefix}data/${key}`];
        if (!bytes) {
          throw new UserError(`${where}: storage data/${key} is missing`);
        }
        s = { dtype, numel, bytes };
        checkStorageSize(s, where, key);
        storages.set(key, s);
      }
      return s;
    },
  );
  pending.forEach((p) => materialise(p, where));
  return value;
}

function parseLegacy(buf: Uint8Array, where: string): unknown {
  const header = (offset: number): { value: unknown; end: number } =>
    unpickle(buf, offset, { where });
  const magic = header(0);
  if (magic.value !== LEGACY_MAGIC && magic.value !== Number(LEGACY_MAGIC)) {
    throw new UserError(
      `${where}: not a PyTorch checkpoint (a pickle without torch's magic ` +
        `number)`,
      'pass a file written by torch.save',
    );
  }
  const version = header(magic.end);
  if (version.value !== 1001) {
    throw new UserError(
      `${where}: legacy checkpoint version must be 1001, but got ` +
        `${String(version.value)}`,
    );
  }
  const sys = header(version.end);
  if (sys.value instanceof Map && sys.value.get('little_endian') === false) {
    throw new UserError(`${where}: big-endian checkpoints are not supported`);
  }
  const storages = new Map<string, Storage>();
  const obj = loadObject(buf, sys.end, where, (key, dtype, numel) => {
    let s = storages.get(key);
    if (!s) {
      s = { dtype, numel, bytes: null };
      storages.set(key, s);
    }
    return s;
  });
  const keys = header(obj.end);
  if (!Array.isArray(keys.value)) {
    throw new UserError(`${where}: the storage key list is malformed`);
  }
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = keys.end;
  for (const k of keys.value as unknown[]) {
    const key = String(k);
    const s = storages.get(key);
    if (!s) throw new UserError(`${where}: storage ${key} is never used`);
    if (pos + 8 > buf.length) truncated(where, buf.length);
    const numel = Number(dv.getBigInt64(pos, true));
    const nbytes = numel * ITEM_SIZE[s.dtype];
    pos += 8;
    if (pos + nbytes > buf.length) truncated(where, buf.length);
    s.bytes = buf.subarray(pos, pos + nbytes);
    pos += nbytes;
    checkStorageSize(s, where, key);
  }
  for (const p of obj.pending) {
    if (p.storage.bytes === null) {
      throw new UserError(`${where}: a tensor's storage data is missing`);
    }
    materialise(p, where);
  }
  return obj.value;
}

function truncated(where: string, size: number): never {
  throw new UserError(
    `${where}: the checkpoint is truncated (storage data ends early at ` +
      `byte ${size})`,
    'check that the file was copied whole',
  );
}

function checkStorageSize(s: Storage, where: string, key: string): void {
  const want = s.numel * ITEM_SIZE[s.dtype];
  if (s.bytes!.length !== want) {
    throw new UserError(
      `${where}: storage ${key} must hold ${want} bytes, but got ` +
        `${s.bytes!.length}`,
      'check that the file was copied whole',
    );
  }
}

/** Copies a tensor's elements out of its storage into C order. */
function materialise(p: Pending, where: string): void {
  const { tensor, storage, offset, stride } = p;
  const shape = tensor.shape;
  const n = shape.reduce((a, b) => a * b, 1);
  let last = offset;
  shape.forEach((d, i) => (last += d > 0 ? (d - 1) * stride[i]! : 0));
  if (n > 0 && last >= storage.numel) {
    throw new UserError(
      `${where}: a tensor of shape [${shape.join(', ')}] reaches element ` +
        `${last} of a storage of ${storage.numel}`,
    );
  }
  const src = decode(storage);
  const out = alloc(storage.dtype, n);
  const contiguous = shape.every((d, i) => {
    const expect = shape.slice(i + 1).reduce((a, b) => a * b, 1);
    return d <= 1 || stride[i] === expect;
  });
  if (contiguous) {
    (out as Float32Array).set(
      (src as Float32Array).subarray(offset, offset + n),
    );
  } else {
    // Odometer over the index: strides need not be in any order.
    const idx = new Array<number>(shape.length).fill(0);
    let at = offset;
    for (let i = 0; i < n; i++) {
      (out as Float32Array)[i] = (src as Float32Array)[at]!;
      for (let d = shape.length - 1; d >= 0; d--) {
        idx[d]!++;
        at += stride[d]!;
        if (idx[d]! < shape[d]!) break;
        at -= idx[d]! * stride[d]!;
        idx[d] = 0;
      }
    }
  }
  tensor.data = out;
}

function alloc(dtype: TorchDtype, n: number): TorchData {
  switch (dtype) {
    case 'float32':
    case 'float16':
    case 'bfloat16':
      return new Float32Array(n);
    case 'float64':
      return new Float64Array(n);
    case 'int64':
      return new BigInt64Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'int16':
      return new Int16Array(n);
    case 'int8':
      return new Int8Array(n);
    case 'uint8':
    case 'bool':
      return new Uint8Array(n);
  }
}

const decoded = new WeakMap<Storage, TorchData>();

/** The storage as a typed array of its elements (cached per storage). */
function decode(s: Storage): TorchData {
  const hit = decoded.get(s);
  if (hit) return hit;
  // Copy so the typed array is aligned whatever the byte offset in the file.
  const b = new Uint8Array(s.bytes!);
  const ab = b.buffer;
  let out: TorchData;
  switch (s.dtype) {
    case 'float32':
      out = new Float32Array(ab);
      break;
    case 'float64':
      out = new Float64Array(ab);
      break;
    case 'int64':
      out = new BigInt64Array(ab);
      break;
    case 'int32':
      out = new Int32Array(ab);
      break;
    case 'int16':
      out = new Int16Array(ab);
      break;
    case 'int8':
      out = new Int8Array(ab);
      break;
    case 'uint8':
    case 'bool':
      out = b;
      break;
    case 'float16':
      out = halfToFloat(new Uint16Array(ab));
      break;
    case 'bfloat16': {
      // bfloat16 is the top half of a float32.
      const u = new Uint16Array(ab);
      const w = new Uint32Array(u.length);
      u.forEach((v, i) => (w[i] = v << 16));
      out = new Float32Array(w.buffer);
      break;
    }
  }
  decoded.set(s, out);
  return out;
}

function halfToFloat(h: Uint16Array): Float32Array {
  const out = new Float32Array(h.length);
  for (let i = 0; i < h.length; i++) {
    const v = h[i]!;
    const sign = v & 0x8000 ? -1 : 1;
    const exp = (v >> 10) & 0x1f;
    const frac = v & 0x3ff;
    if (exp === 0) out[i] = sign * frac * 2 ** -24;
    else if (exp === 31) out[i] = frac ? NaN : sign * Infinity;
    else out[i] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return out;
}

/** A float tensor's values as Float32Array (int and bool converted). */
export function torchToFloat32(t: TorchTensor): Float32Array {
  if (t.data instanceof Float32Array) return t.data;
  const out = new Float32Array(t.data.length);
  for (let i = 0; i < t.data.length; i++) out[i] = Number(t.data[i]!);
  return out;
}
