/**
 * The `modescope-native` tf.js backend: tf.js's CPU backend (data in JS
 * typed arrays) whose hot kernels run in the C++ addon, reading and
 * writing those typed arrays in place through N-API (no copies).
 *
 * Output buffers are recycled. A training step makes the same few dozen
 * outputs over and over (a DCGAN step: about 100 MB of them); allocating
 * each afresh costs zero-filling it and, worse, makes V8 count the memory
 * as external and run a full garbage collection every few steps, whose
 * marking thread then competes with the kernels' second thread. So native
 * kernels take their outputs from a pool (alloc), and an output returns
 * to the pool when tf.js frees its data, unless it may be seen from
 * outside: an array the user read (dataSync, data, arraySync: readSync and
 * read), one that a CPU kernel made a view of or shared with another
 * tensor (see noteSharing), is never recycled. Buffers from the pool are
 * not zeroed: every native kernel writes all of its output.
 * MODESCOPE_POOL=poison fills recycled buffers with NaN (the tests use it
 * to catch a kernel that does not), MODESCOPE_POOL=off disables the pool.
 */
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type * as tf from '@tensorflow/tfjs-core';

export const NATIVE_BACKEND = 'modescope-native';

const POOL_MODE = process.env.MODESCOPE_POOL ?? 'on';
/** At most this many bytes wait in the pool; beyond, buffers go to GC. */
const POOL_MAX_BYTES = 512 * 1024 * 1024;

type DataId = object;

/** MathBackendCPU under another name, plus the output pool. */
export class NativeBackend extends MathBackendCPU {
  /** Arrays made by alloc that have not been seen outside the backend. */
  private readonly owned = new WeakSet<Float32Array>();
  private readonly free = new Map<number, Float32Array[]>();
  private freeBytes = 0;
  /** Called once when a data id's buffer is freed (see onFree). */
  private readonly freeHooks = new WeakMap<DataId, () => void>();

  /** A float32 buffer of n elements, recycled when possible, not zeroed. */
  alloc(n: number): Float32Array {
    if (POOL_MODE !== 'off') {
      const a = this.free.get(n)?.pop();
      if (a) {
        this.freeBytes -= a.byteLength;
        if (POOL_MODE === 'poison') a.fill(NaN);
        return a;
      }
    }
    const a = new Float32Array(n);
    if (POOL_MODE !== 'off') this.owned.add(a);
    return a;
  }

  /** Returns a buffer from alloc that nothing references any more. */
  recycle(a: Float32Array): void {
    if (!this.owned.has(a) || a.length === 0) return;
    if (this.freeBytes + a.byteLength > POOL_MAX_BYTES) return;
    let list = this.free.get(a.length);
    if (!list) this.free.set(a.length, (list = []));
    list.push(a);
    this.freeBytes += a.byteLength;
  }

  /** Marks a buffer as seen from outside: it will never be recycled. */
  escape(a: unknown): void {
    if (a instanceof Float32Array) this.owned.delete(a);
  }

  /** Runs fn once when dataId's buffer is freed. */
  onFree(dataId: DataId, fn: () => void): void {
    this.freeHooks.set(dataId, fn);
  }

  /**
   * After a CPU (non-native) kernel: an output that shares an input's
   * buffer (a view, or the same array under a new data id) pins both.
   */
  noteSharing(inputs: readonly tf.TensorInfo[],
    outputs: readonly tf.TensorInfo[]): void {
    for (const o of outputs) {
      const ov = this.data.get(o.dataId)?.values;
      if (!ov || !ArrayBuffer.isView(ov)) continue;
      for (const i of inputs) {
        if (!i || i.dataId === o.dataId) continue;
        const iv = this.data.get(i.dataId)?.values;
        if (iv && ArrayBuffer.isView(iv) && iv.buffer === ov.buffer) {
          this.escape(iv);
          this.escape(ov);
        }
      }
    }
  }

  override readSync(dataId: DataId): tf.backend_util.BackendValues {
    this.escape(this.data.get(dataId)?.values);
    return super.readSync(dataId);
  }

  override read(dataId: DataId): Promise<tf.backend_util.BackendValues> {
    this.escape(this.data.get(dataId)?.values);
    return super.read(dataId);
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const values = this.data.get(dataId)?.values;
    const freed = super.disposeData(dataId, force);
    if (freed) {
      const hook = this.freeHooks.get(dataId);
      if (hook) {
        this.freeHooks.delete(dataId);
        hook();
      }
      if (values instanceof Float32Array) this.recycle(values);
    }
    return freed;
  }

  override dispose(): void {
    this.free.clear();
    this.freeBytes = 0;
    super.dispose();
  }
}

/**
 * After a CPU (non-native) kernel ran on the native backend: pins any
 * output that shares an input's buffer (see NativeBackend.noteSharing).
 */
export function checkSharing(
  args: { inputs: tf.NamedTensorInfoMap; backend: unknown },
  out: tf.TensorInfo | tf.TensorInfo[],
): void {
  const backend = args.backend;
  if (!(backend instanceof NativeBackend)) return;
  const ins = Object.values(args.inputs).filter(
    (t): t is tf.TensorInfo => t != null);
  backend.noteSharing(ins, Array.isArray(out) ? out : [out]);
}

/**
 * The float32 values of a tensor held by the backend, or null when it is
 * not float32 data (then the caller falls back to the CPU kernel).
 */
export function f32(
  backend: MathBackendCPU,
  t: tf.TensorInfo,
): Float32Array | null {
  if (t.dtype !== 'float32') return null;
  const v = backend.data.get(t.dataId)?.values;
  return v instanceof Float32Array ? v : null;
}

/** An output buffer of n float32 elements (from the pool on native). */
export function alloc(backend: MathBackendCPU, n: number): Float32Array {
  return backend instanceof NativeBackend
    ? backend.alloc(n)
    : new Float32Array(n);
}

/** Wraps a freshly computed Float32Array as a backend tensor. */
export function output(
  backend: MathBackendCPU,
  shape: number[],
  values: Float32Array,
): tf.TensorInfo {
  return backend.makeTensorInfo(shape, 'float32', values);
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
