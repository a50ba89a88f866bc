/**
 * The IDX format of the MNIST files (LeCun et al.).
 *
 * Header: two zero bytes, a type code, the number of dimensions d, then d
 * big-endian uint32 sizes; the values follow in row-major order, big-endian.
 * Type codes: 0x08 uint8, 0x09 int8, 0x0b int16, 0x0c int32, 0x0d float32,
 * 0x0e float64. uint8 data (every MNIST file) is returned as a view into the
 * file's bytes, without a copy; other types are converted to float32.
 */
import * as fs from 'node:fs';
import { UserError } from '../util/errors.js';

export interface IdxArray {
  /** Row-major shape, e.g. `[numImages, 28, 28]`. */
  shape: number[];
  data: Uint8Array | Float32Array;
}

const TYPES: Record<number, { size: number; name: string }> = {
  0x08: { size: 1, name: 'uint8' },
  0x09: { size: 1, name: 'int8' },
  0x0b: { size: 2, name: 'int16' },
  0x0c: { size: 4, name: 'int32' },
  0x0d: { size: 4, name: 'float32' },
  0x0e: { size: 8, name: 'float64' },
};

/** Parses an IDX file held in memory; `where` names it in errors. */
export function parseIdx(buf: Uint8Array, where: string): IdxArray {
  const bad = (what: string): never => {
    throw new UserError(`${where}: not a valid IDX file (${what})`);
  };
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0) {
    bad('the first two bytes must be 0');
  }
  const type = TYPES[buf[2]!];
  if (!type) {
    return bad(`unknown type code 0x${buf[2]!.toString(16)}`);
  }
  const rank = buf[3]!;
  const offset = 4 + 4 * rank;
  if (buf.length < offset) bad('truncated header');
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(dv.getUint32(4 + 4 * i, false));
  const size = shape.reduce((a, b) => a * b, 1);
  const need = offset + size * type.size;
  if (buf.length < need) {
    bad(
      `truncated: shape [${shape.join(', ')}] needs ${need} bytes, ` +
        `but the file has ${buf.length}`,
    );
  }
  if (type.size === 1 && type.name === 'uint8') {
    return { shape, data: buf.subarray(offset, offset + size) };
  }
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    const p = offset + i * type.size;
    out[i] =
      type.name === 'int8' ? dv.getInt8(p)
      : type.name === 'int16' ? dv.getInt16(p, false)
      : type.name === 'int32' ? dv.getInt32(p, false)
      : type.name === 'float32' ? dv.getFloat32(p, false)
      : dv.getFloat64(p, false);
  }
  return { shape, data: out };
}

/** Reads an IDX file; `what` names the argument in errors. */
export function readIdx(file: string, what = file): IdxArray {
  let buf: Uint8Array;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(
      `${what}: cannot read "${file}"` +
        (code === 'ENOENT' ? ': no such file' : `: ${code ?? String(e)}`),
    );
  }
  return parseIdx(buf, `${what} (${file})`);
}
