/**
 * NumPy .npy and .npz files (format versions 1.0, 2.0 and 3.0).
 *
 * Reads little- and big-endian float16/32/64, (u)int8/16/32/64 and bool, in
 * C or Fortran order, into a float32 or the native typed array; writes
 * float32, float64, int32 and uint8 in C order. .npz archives are zip files
 * of .npy members, stored or deflated (np.savez / np.savez_compressed).
 */
import * as fs from 'node:fs';
import { unzipSync, zipSync } from 'fflate';
import { UserError } from '../util/errors.js';
import { writeFileAtomic } from './atomic.js';

export type NpyData =
  | Float32Array
  | Float64Array
  | Int32Array
  | Uint8Array;

export interface NpyArray {
  /** NumPy dtype string as read, e.g. `<f4`, `|u1`. */
  dtype: string;
  /** Row-major shape. */
  shape: number[];
  /** The values in C order. Types that JS lacks are widened to Float64. */
  data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Parses one .npy file held in memory; `where` names it in errors. */
export function parseNpy(buf: Uint8Array, where: string): NpyArray {
  const bad = (what: string): never => {
    throw new UserError(
      `${where}: not a valid .npy file (${what})`,
      'write it with numpy.save, or check that it was copied whole',
    );
  };
  if (buf.length < 10 || MAGIC.some((b, i) => buf[i] !== b)) {
    bad('missing the \\x93NUMPY magic string');
  }
  const major = buf[6]!;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let headerLen: number;
  let offset: number;
  if (major === 1) {
    headerLen = dv.getUint16(8, true);
    offset = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) bad('truncated header');
    headerLen = dv.getUint32(8, true);
    offset = 12;
  } else {
    return bad(`format version ${major} is unknown`);
  }
  if (offset + headerLen > buf.length) bad('truncated header');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
    buf.subarray(offset, offset + headerLen),
  );
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*True/.test(header);
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || shapeText === undefined) {
    bad(`unreadable header ${JSON.stringify(header.trim())}`);
  }
  const shape = shapeText!
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) {
    bad(`bad shape (${shapeText})`);
  }
  const size = shape.reduce((a, b) => a * b, 1);
  const endian = descr![0]!;
  const kind = descr!.slice(1);
  const itemSize: Record<string, number> = {
    f2: 2, f4: 4, f8: 8, i1: 1, u1: 1, i2: 2, u2: 2, i4: 4, u4: 4,
    i8: 8, u8: 8, b1: 1,
  };
  const width = itemSize[kind];
  if (width === undefined || !'<>|='.includes(endian)) {
    throw new UserError(
      `${where}: dtype must be a float, integer or bool, but got "${descr}"`,
      'convert the array with .astype(numpy.float32) before saving',
    );
  }
  const start = offset + headerLen;
  const need = size * width;
  if (buf.length - start < need) {
    throw new UserError(
      `${where}: file is truncated: shape (${shape.join(', ')}) needs ` +
        `${need} data bytes, but got ${buf.length - start}`,
    );
  }
  const little = endian !== '>';
  const data = decode(dv, start, size, kind, little);
  const out: NpyArray = { dtype: descr!, shape, data };
  return fortran && shape.length > 1 ? toCOrder(out) : out;
}

function decode(
  dv: DataView,
  start: number,
  n: number,
  kind: string,
  little: boolean,
): NpyData {
  switch (kind) {
    case 'f4': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getFloat32(start + 4 * i, little);
      return out;
    }
    case 'f8': {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getFloat64(start + 8 * i, little);
      return out;
    }
    case 'f2': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        out[i] = halfToFloat(dv.getUint16(start + 2 * i, little));
      }
      return out;
    }
    case 'u1':
    case 'b1':
      return new Uint8Array(dv.buffer.slice(dv.byteOffset + start,
        dv.byteOffset + start + n));
    case 'i4': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getInt32(start + 4 * i, little);
      return out;
    }
    default: {
      // i1, i2, u2, u4, i8, u8: widen to float64 (exact up to 2^53).
      const out = new Float64Array(n);
      const w = Number(kind.slice(1));
      const signed = kind[0] === 'i';
      for (let i = 0; i < n; i++) {
        const p = start + w * i;
        out[i] =
          w === 1 ? (signed ? dv.getInt8(p) : dv.getUint8(p))
          : w === 2 ? (signed ? dv.getInt16(p, little) : dv.getUint16(p, little))
          : w === 4 ? dv.getUint32(p, little)
          : Number(signed ? dv.getBigInt64(p, little) : dv.getBigUint64(p, little));
      }
      return out;
    }
  }
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function toCOrder(a: NpyArray): NpyArray {
  const { shape, data } = a;
  const n = data.length;
  const out = new (data.constructor as new (n: number) => NpyData)(n);
  const rank = shape.length;
  const fStride = new Array<number>(rank);
  let s = 1;
  for (let d = 0; d < rank; d++) {
    fStride[d] = s;
    s *= shape[d]!;
  }
  const idx = new Array<number>(rank).fill(0);
  for (let i = 0; i < n; i++) {
    let src = 0;
    for (let d = 0; d < rank; d++) src += idx[d]! * fStride[d]!;
    out[i] = data[src]!;
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
  return { ...a, data: out };
}

/** Serialises an array as .npy version 1.0 (C order, little-endian). */
export function encodeNpy(shape: readonly number[], data: NpyData): Uint8Array {
  const descr =
    data instanceof Float32Array ? '<f4'
    : data instanceof Float64Array ? '<f8'
    : data instanceof Int32Array ? '<i4'
    : '|u1';
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== data.length) {
    throw new RangeError(
      `encodeNpy: data length must be ${size} for shape ` +
        `[${shape.join(', ')}], but got ${data.length}`,
    );
  }
  const shapeText =
    shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header =
    `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Pad so that the data starts on a 64-byte boundary, as numpy does.
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  // Typed arrays are little-endian on every platform Node runs on.
  out.set(
    new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    10 + header.length,
  );
  return out;
}

function readBytes(file: string, what: string): Uint8Array {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(
      `${what}: cannot read "${file}"` +
        (code === 'ENOENT' ? ': no such file' : `: ${code ?? String(e)}`),
    );
  }
}

/** Reads a .npy file. `what` names the argument in errors (e.g. `--fake`). */
export function readNpy(file: string, what = file): NpyArray {
  return parseNpy(readBytes(file, what), `${what} (${file})`);
}

/** Reads every array of a .npz archive, keyed by name without `.npy`. */
export function readNpz(file: string, what = file): Record<string, NpyArray> {
  const buf = readBytes(file, what);
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(buf);
  } catch (e) {
    throw new UserError(
      `${what} (${file}): not a valid .npz (zip) archive: ${(e as Error).message}`,
    );
  }
  const out: Record<string, NpyArray> = {};
  for (const [name, bytes] of Object.entries(members)) {
    if (!name.endsWith('.npy')) continue;
    out[name.slice(0, -4)] = parseNpy(bytes, `${what} (${file}:${name})`);
  }
  return out;
}

export function writeNpy(
  file: string,
  shape: readonly number[],
  data: NpyData,
): void {
  writeFileAtomic(file, encodeNpy(shape, data));
}

/** Writes arrays as an uncompressed .npz archive, like numpy.savez. */
export function writeNpz(
  file: string,
  arrays: Record<string, { shape: readonly number[]; data: NpyData }>,
): void {
  const members: Record<string, [Uint8Array, { level: 0 }]> = {};
  for (const [k, a] of Object.entries(arrays)) {
    members[`${k}.npy`] = [encodeNpy(a.shape, a.data), { level: 0 }];
  }
  writeFileAtomic(file, zipSync(members));
}

/** A float32 copy of any array's values. */
export function toFloat32(a: NpyArray): Float32Array {
  return a.data instanceof Float32Array ? a.data : Float32Array.from(a.data);
}
