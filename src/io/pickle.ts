/**
 * A minimal Python pickle reader (protocols 0 to 5, without out-of-band
 * buffers), enough for what torch.save writes: state dicts of tensors,
 * OrderedDicts, tuples, numbers, strings and the persistent ids that point
 * at storages.
 *
 * Nothing is ever executed: a GLOBAL opcode is resolved through the caller's
 * `findClass`, and anything it does not know becomes an inert `PyGlobal`;
 * calling one (REDUCE, NEWOBJ) yields an inert `PyObject` that records the
 * arguments. So a hostile file can waste memory, but cannot run code.
 *
 * Value mapping: None -> null, bool -> boolean, int -> number (bigint past
 * 2^53), float -> number, str -> string, bytes -> Uint8Array, list and tuple
 * -> array, dict and OrderedDict -> Map, set -> Set.
 */
import { UserError } from '../util/errors.js';

/** A Python class or function named by module and name, not resolved. */
export class PyGlobal {
  constructor(readonly module: string, readonly name: string) {}
  toString(): string {
    return `${this.module}.${this.name}`;
  }
}

/** An instance of an unresolved class: its constructor args and state. */
export class PyObject {
  state: unknown = undefined;
  constructor(readonly cls: PyGlobal, readonly args: unknown[]) {}
}

/** What REDUCE calls when `findClass` resolves a name to a function. */
export type PyCallable = (args: unknown[]) => unknown;

export interface UnpickleOptions {
  /** Names the file in error messages. */
  where: string;
  /**
   * Resolves GLOBAL module.name; return undefined to leave it inert.
   * Functions returned here are called by REDUCE with the argument tuple.
   */
  findClass?: (module: string, name: string) => unknown;
  /** Turns a persistent id (BINPERSID) into a value. */
  persistentLoad?: (pid: unknown) => unknown;
}

/** Thrown for a pickle that is truncated or uses something unsupported. */
export class PickleError extends UserError {
  override name = 'PickleError';
}

const MARK = Symbol('mark');

/**
 * Reads one pickle from `buf` starting at `offset`; returns the value and
 * the offset just past its STOP opcode (checkpoints chain several pickles).
 */
export function unpickle(
  input: Uint8Array,
  offset: number,
  opts: UnpickleOptions,
): { value: unknown; end: number } {
  // A plain view: Buffer's slice() shares memory, Uint8Array's copies.
  const buf = new Uint8Array(input.buffer, input.byteOffset, input.length);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  const latin1 = new TextDecoder('latin1');
  const utf8 = new TextDecoder('utf-8');
  let pos = offset;

  const fail = (what: string): never => {
    throw new PickleError(
      `${opts.where}: not a readable pickle (${what})`,
      'check that the file was copied whole and is a PyTorch checkpoint',
    );
  };
  const need = (n: number): number => {
    if (pos + n > buf.length) fail(`truncated at byte ${buf.length}`);
    const at = pos;
    pos += n;
    return at;
  };
  const u8 = (): number => buf[need(1)]!;
  const u16 = (): number => dv.getUint16(need(2), true);
  const u32 = (): number => dv.getUint32(need(4), true);
  const i32 = (): number => dv.getInt32(need(4), true);
  const u64 = (): number => {
    const v = dv.getBigUint64(need(8), true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`length ${v} too large`);
    return Number(v);
  };
  const bytes = (n: number): Uint8Array => {
    const at = need(n);
    return buf.subarray(at, at + n);
  };
  const line = (): string => {
    const end = buf.indexOf(0x0a, pos);
    if (end < 0) fail(`truncated at byte ${buf.length}`);
    const s = latin1.decode(buf.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = (): unknown => {
    if (stack.length === 0) fail(`stack underflow at byte ${pos - 1}`);
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) fail(`stack underflow at byte ${pos - 1}`);
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const at = stack.lastIndexOf(MARK);
    if (at < 0) fail(`missing MARK before byte ${pos - 1}`);
    const items = stack.splice(at);
    items.shift();
    return items;
  };
  const memoGet = (key: number): unknown => {
    if (!memo.has(key)) fail(`memo key ${key} unset at byte ${pos}`);
    return memo.get(key);
  };
  const resolve = (module: string, name: string): unknown =>
    opts.findClass?.(module, name) ?? new PyGlobal(module, name);
  const call = (fn: unknown, args: unknown): unknown => {
    if (!Array.isArray(args)) fail(`call arguments not a tuple`);
    if (typeof fn === 'function') return (fn as PyCallable)(args as unknown[]);
    if (fn instanceof PyGlobal) return new PyObject(fn, args as unknown[]);
    return fail(`call of a non-class at byte ${pos - 1}`);
  };
  const setItems = (target: unknown, kv: unknown[]): void => {
    if (!(target instanceof Map)) fail(`SETITEM on a non-dict`);
    for (let i = 0; i + 1 < kv.length; i += 2) {
      (target as Map<unknown, unknown>).set(kv[i], kv[i + 1]);
    }
  };
  const append = (target: unknown, items: unknown[]): void => {
    if (Array.isArray(target)) target.push(...items);
    else if (target instanceof Set) items.forEach((x) => target.add(x));
    else fail(`APPEND on a non-list`);
  };
  /** Little-endian two's-complement integer of any length. */
  const long = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    if (b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
    return small(v);
  };
  const small = (v: bigint): number | bigint =>
    v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(v)
      : v;
  /** Protocol-0 string literal, quoted Python repr style. */
  const quoted = (s: string): string => {
    const q = s[0];
    if ((q !== "'" && q !== '"') || s[s.length - 1] !== q) {
      fail(`bad STRING literal`);
    }
    return s.slice(1, -1).replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_, e: string) =>
      e[0] === 'x' ? String.fromCharCode(parseInt(e.slice(1), 16))
        : ({ n: '\n', r: '\r', t: '\t' } as Record<string, string>)[e] ?? e,
    );
  };

  for (;;) {
    const at = pos;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail(`pickle protocol above 5`);
        break;
      case 0x95: // FRAME: a length hint only
        u64();
        break;
      case 0x2e: // STOP
        return { value: pop(), end: pos };
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(long(bytes(u8())));
        break;
      case 0x8b: { // LONG4
        const n = i32();
        if (n < 0) fail(`negative LONG4 length`);
        stack.push(long(bytes(n)));
        break;
      }
      case 0x49: { // INT (protocol 0; also True/False as 01/00)
        const s = line();
        if (s === '01') stack.push(true);
        else if (s === '00') stack.push(false);
        else stack.push(small(BigInt(s)));
        break;
      }
      case 0x4c: // LONG (protocol 0)
        stack.push(small(BigInt(line().replace(/L$/, ''))));
        break;
      case 0x46: // FLOAT
        stack.push(Number(line()));
        break;
      case 0x47: // BINFLOAT: big-endian, unlike everything else
        stack.push(dv.getFloat64(need(8), false));
        break;
      case 0x58: // BINUNICODE
        stack.push(utf8.decode(bytes(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(utf8.decode(bytes(u8())));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(utf8.decode(bytes(u64())));
        break;
      case 0x56: // UNICODE (raw-unicode-escape; ASCII in practice)
        stack.push(line());
        break;
      case 0x53: // STRING
        stack.push(quoted(line()));
        break;
      case 0x54: { // BINSTRING
        const n = i32();
        if (n < 0) fail(`negative BINSTRING length`);
        stack.push(latin1.decode(bytes(n)));
        break;
      }
      case 0x55: // SHORT_BINSTRING
        stack.push(latin1.decode(bytes(u8())));
        break;
      case 0x42: // BINBYTES
        stack.push(bytes(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(bytes(u8()).slice());
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        stack.push(bytes(u64()).slice());
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: { // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: { // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x74: // TUPLE
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x64: { // DICT
        const d = new Map();
        setItems(d, popMark());
        stack.push(d);
        break;
      }
      case 0x8f: // EMPTY_SET
        stack.push(new Set());
        break;
      case 0x91: // FROZENSET
        stack.push(new Set(popMark()));
        break;
      case 0x90: { // ADDITEMS
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x61: { // APPEND
        const v = pop();
        append(top(), [v]);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x73: { // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: { // SETITEMS
        const kv = popMark();
        setItems(top(), kv);
        break;
      }
      case 0x70: // PUT
        memo.set(Number(line()), top());
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x67: // GET
        stack.push(memoGet(Number(line())));
        break;
      case 0x68: // BINGET
        stack.push(memoGet(u8()));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(memoGet(u32()));
        break;
      case 0x63: { // GLOBAL
        const module = line();
        stack.push(resolve(module, line()));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') {
          fail(`STACK_GLOBAL of non-strings at byte ${at}`);
        }
        stack.push(resolve(module as string, name as string));
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        stack.push(call(pop(), args));
        break;
      }
      case 0x81: { // NEWOBJ
        const args = pop();
        stack.push(call(pop(), args));
        break;
      }
      case 0x92: { // NEWOBJ_EX: keyword arguments are dropped
        pop();
        const args = pop();
        stack.push(call(pop(), args));
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        const obj = top();
        // A dict's BUILD state holds instance attributes (a state dict's
        // `_metadata`): nothing modescope reads, so it is dropped.
        if (obj instanceof PyObject) obj.state = state;
        break;
      }
      case 0x50: // PERSID
      case 0x51: { // BINPERSID
        const pid = op === 0x50 ? line() : pop();
        if (!opts.persistentLoad) fail(`persistent id without a loader`);
        stack.push(opts.persistentLoad!(pid));
        break;
      }
      default:
        fail(`unsupported opcode 0x${op.toString(16)} at byte ${at}`);
    }
  }
}
