/**
 * Native kernel configs for the standard tf.js kernels that dominate GAN
 * training: matrix multiply (all transposes, batched, fused bias and
 * activation), broadcasting arithmetic, activations, reductions, Conv2D
 * and its backprops, and batch norm.
 *
 * Each kernel handles the float32 cases the addon supports and otherwise
 * calls the CPU backend's kernel, so every input tf.js accepts still works.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ACT, BIN, RED, UN, type NativeAddon } from './addon.js';
import {
  alloc, checkSharing, f32, NATIVE_BACKEND, output, sizeOf,
} from './backend.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];
type Attrs = Record<string, unknown>;

/** Calls the CPU backend's own kernel (the fallback for unusual inputs). */
function cpuKernel(name: string, args: KernelArgs) {
  const out = tf.getKernel(name, 'cpu').kernelFunc(args);
  checkSharing(args, out as tf.TensorInfo | tf.TensorInfo[]);
  return out;
}

function native(
  name: string,
  fn: (
    inputs: tf.NamedTensorInfoMap,
    backend: MathBackendCPU,
    attrs: Attrs,
  ) => tf.TensorInfo | tf.TensorInfo[] | null,
): tf.KernelConfig {
  return {
    kernelName: name,
    backendName: NATIVE_BACKEND,
    kernelFunc: (args) => {
      const backend = args.backend as MathBackendCPU;
      const r = fn(args.inputs, backend, (args.attrs ?? {}) as Attrs);
      return r ?? cpuKernel(name, args);
    },
  };
}

function i32(shape: readonly number[]): Int32Array {
  return Int32Array.from(shape);
}

// ---- matrix multiply ----

const FUSED_ACT: Record<string, number> = {
  linear: ACT.linear,
  relu: ACT.relu,
  relu6: ACT.relu6,
  elu: ACT.elu,
  leakyrelu: ACT.leakyrelu,
  sigmoid: ACT.sigmoid,
};

/**
 * a [...batchA, M, K] x b [...batchB, K, N] -> [...batch, M, N] (operands
 * transposed per the attrs); one operand's batch may be 1 (broadcast).
 */
function matMul(
  addon: NativeAddon,
  backend: MathBackendCPU,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  ta: boolean,
  tb: boolean,
  bias: tf.TensorInfo | undefined,
  act: number,
  alpha: number,
): tf.TensorInfo | null {
  const av = f32(backend, a);
  const bv = f32(backend, b);
  if (!av || !bv || a.shape.length < 2 || b.shape.length < 2) return null;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = ta ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const k = ta ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const k2 = tb ? b.shape[rb - 1]! : b.shape[rb - 2]!;
  const n = tb ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  if (k !== k2) return null; // the CPU kernel throws tf.js's own message
  const batchA = sizeOf(a.shape.slice(0, -2));
  const batchB = sizeOf(b.shape.slice(0, -2));
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return null;
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(
    a.shape.slice(0, -2),
    b.shape.slice(0, -2),
  );
  const batch = Math.max(batchA, batchB);
  if (sizeOf(outer) !== batch) return null;
  let biasV: Float32Array | null = null;
  if (bias) {
    biasV = f32(backend, bias);
    const bl = sizeOf(bias.shape);
    const lastOk = bias.shape.length === 0 ||
      bias.shape[bias.shape.length - 1] === n;
    if (!biasV || !(bl === 1 || (bl === n && lastOk))) return null;
  }
  const out = alloc(backend, batch * m * n);
  addon.batchMatMul(
    ta, tb, batch, m, n, k,
    av, batchA === 1 ? 0 : m * k,
    bv, batchB === 1 ? 0 : k * n,
    out, biasV, act, alpha,
  );
  return output(backend, [...outer, m, n], out);
}

function matMulKernels(addon: NativeAddon): tf.KernelConfig[] {
  return [
    native('BatchMatMul', (inputs, backend, attrs) =>
      matMul(
        addon, backend, inputs.a!, inputs.b!,
        Boolean(attrs.transposeA), Boolean(attrs.transposeB),
        undefined, ACT.linear, 0,
      ),
    ),
    native('_FusedMatMul', (inputs, backend, attrs) => {
      if (inputs.preluActivationWeights) return null;
      const act = FUSED_ACT[String(attrs.activation ?? 'linear')];
      if (act === undefined) return null;
      return matMul(
        addon, backend, inputs.a!, inputs.b!,
        Boolean(attrs.transposeA), Boolean(attrs.transposeB),
        inputs.bias, act, Number(attrs.leakyreluAlpha ?? 0.2),
      );
    }),
  ];
}

// ---- elementwise ----

function binaryKernels(addon: NativeAddon): tf.KernelConfig[] {
  return Object.entries(BIN).map(([name, op]) =>
    native(name, (inputs, backend) => {
      const a = inputs.a!;
      const b = inputs.b!;
      const av = f32(backend, a);
      const bv = f32(backend, b);
      if (!av || !bv) return null;
      const shape = tf.broadcast_util.assertAndGetBroadcastShape(
        a.shape,
        b.shape,
      );
      if (shape.length > 8) return null;
      const out = alloc(backend, sizeOf(shape));
      addon.binary(op, av, i32(a.shape), bv, i32(b.shape), out, i32(shape));
      return output(backend, shape, out);
    }),
  );
}

function unaryKernels(addon: NativeAddon): tf.KernelConfig[] {
  return Object.entries(UN).map(([name, op]) =>
    native(name, (inputs, backend, attrs) => {
      const x = inputs.x!;
      const xv = f32(backend, x);
      if (!xv) return null;
      const out = alloc(backend, xv.length);
      const alpha = name === 'Step'
        ? Number(attrs.alpha ?? 0)
        : Number(attrs.alpha ?? 0.2);
      addon.unary(op, xv, out, alpha);
      return output(backend, x.shape, out);
    }),
  );
}

// ---- reductions ----

function reduceKernels(addon: NativeAddon): tf.KernelConfig[] {
  return Object.entries(RED).map(([name, op]) =>
    native(name, (inputs, backend, attrs) => {
      const x = inputs.x!;
      const xv = f32(backend, x);
      if (!xv || x.shape.length > 16) return null;
      // Max calls its axes `reductionIndices`; the others `axis`.
      const axes = tf.util.parseAxisParam(
        (attrs.axis ?? attrs.reductionIndices) as number | number[],
        x.shape,
      );
      const mask = new Uint8Array(x.shape.length);
      for (const ax of axes) mask[ax] = 1;
      const shape: number[] = [];
      x.shape.forEach((d, i) => {
        if (!mask[i]) shape.push(d);
        else if (attrs.keepDims) shape.push(1);
      });
      const out = alloc(backend, sizeOf(shape));
      addon.reduce(op, xv, i32(x.shape), mask, out);
      return output(backend, shape, out);
    }),
  );
}

// ---- convolution ----

type Shape4 = [number, number, number, number];

/** [batch, inH, inW, inC, outH, outW, outC, kh, kw, sh, sw, dh, dw, pt, pl] */
function geometry(info: tf.backend_util.Conv2DInfo): Int32Array {
  return Int32Array.from([
    info.batchSize, info.inHeight, info.inWidth, info.inChannels,
    info.outHeight, info.outWidth, info.outChannels,
    info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth,
    info.dilationHeight, info.dilationWidth, info.padInfo.top,
    info.padInfo.left,
  ]);
}

function convInfo(
  inShape: number[],
  filterShape: number[],
  attrs: Attrs,
  dilations: unknown,
): tf.backend_util.Conv2DInfo | null {
  const fmt = String(attrs.dataFormat ?? 'NHWC');
  if (fmt !== 'NHWC' && fmt !== 'channelsLast') return null;
  return tf.backend_util.computeConv2DInfo(
    inShape as Shape4,
    filterShape as Shape4,
    attrs.strides as [number, number],
    (dilations ?? 1) as [number, number],
    attrs.pad as 'same' | 'valid',
    attrs.dimRoundingMode as 'floor' | undefined,
    false,
    'channelsLast',
  );
}

function convKernels(addon: NativeAddon): tf.KernelConfig[] {
  return [
    native('Conv2D', (inputs, backend, attrs) => {
      const x = inputs.x!;
      const w = inputs.filter!;
      const xv = f32(backend, x);
      const wv = f32(backend, w);
      if (!xv || !wv || x.shape.length !== 4) return null;
      const info = convInfo(x.shape, w.shape, attrs, attrs.dilations);
      if (!info) return null;
      const out = alloc(backend, sizeOf(info.outShape));
      addon.conv2d(geometry(info), xv, wv, out);
      return output(backend, info.outShape, out);
    }),
    native('Conv2DBackpropInput', (inputs, backend, attrs) => {
      const dy = inputs.dy!;
      const w = inputs.filter!;
      const dyv = f32(backend, dy);
      const wv = f32(backend, w);
      const inShape = attrs.inputShape as number[];
      if (!dyv || !wv || inShape.length !== 4) return null;
      const info = convInfo(inShape, w.shape, attrs, 1);
      if (!info) return null;
      const out = alloc(backend, sizeOf(inShape));
      addon.conv2dBackpropInput(geometry(info), dyv, wv, out);
      return output(backend, inShape, out);
    }),
    native('Conv2DBackpropFilter', (inputs, backend, attrs) => {
      const x = inputs.x!;
      const dy = inputs.dy!;
      const xv = f32(backend, x);
      const dyv = f32(backend, dy);
      const fShape = attrs.filterShape as number[];
      if (!xv || !dyv || x.shape.length !== 4) return null;
      const info = convInfo(x.shape, fShape, attrs, 1);
      if (!info) return null;
      const out = alloc(backend, sizeOf(fShape));
      addon.conv2dBackpropFilter(geometry(info), xv, dyv, out);
      return output(backend, fShape, out);
    }),
  ];
}

function batchNormKernel(addon: NativeAddon): tf.KernelConfig {
  return native('FusedBatchNorm', (inputs, backend, attrs) => {
    const x = inputs.x!;
    const xv = f32(backend, x);
    const mv = f32(backend, inputs.mean!);
    const vv = f32(backend, inputs.variance!);
    const ov = inputs.offset ? f32(backend, inputs.offset) : null;
    const sv = inputs.scale ? f32(backend, inputs.scale) : null;
    if (!xv || !mv || !vv) return null;
    if ((inputs.offset && !ov) || (inputs.scale && !sv)) return null;
    const out = alloc(backend, xv.length);
    addon.batchNorm(
      xv, mv, vv, ov, sv, Number(attrs.varianceEpsilon ?? 0.001), out,
    );
    return output(backend, x.shape, out);
  });
}

// ---- slicing ----

/**
 * A float32 slice that is not one contiguous run (the CPU backend returns
 * a view for those), copied run by run over the last axis; null for
 * anything else. The CPU backend's general path reads and writes one
 * element at a time through TensorBuffer index arithmetic, about 50 times
 * slower; the gradient of a concat along the last axis (minibatch
 * discrimination's features) is a split into two such slices.
 */
function stridedSlice(
  backend: MathBackendCPU, x: tf.TensorInfo, begin: number[],
  size: number[],
): tf.TensorInfo | null {
  const xv = f32(backend, x);
  const rank = x.shape.length;
  if (!xv || rank === 0) return null;
  if (tf.slice_util.isSliceContinous(x.shape, begin, size)) return null;
  const strides = new Array<number>(rank);
  strides[rank - 1] = 1;
  for (let d = rank - 2; d >= 0; --d) {
    strides[d] = strides[d + 1]! * x.shape[d + 1]!;
  }
  const n = sizeOf(size);
  const out = alloc(backend, n);
  const run = size[rank - 1]!;
  const idx = new Array<number>(rank).fill(0);
  let base = 0;
  for (let d = 0; d < rank; ++d) base += begin[d]! * strides[d]!;
  for (let o = 0; o < n; o += run) {
    let from = base;
    for (let d = 0; d < rank - 1; ++d) from += idx[d]! * strides[d]!;
    for (let k = 0; k < run; ++k) out[o + k] = xv[from + k]!;
    for (let d = rank - 2; d >= 0; --d) {
      if (++idx[d]! < size[d]!) break;
      idx[d] = 0;
    }
  }
  return output(backend, size, out);
}

function sliceKernels(): tf.KernelConfig[] {
  return [
    native('Slice', (inputs, backend, attrs) => {
      const x = inputs.x!;
      const [begin, size] = tf.slice_util.parseSliceParams(
        x, attrs.begin as number[], attrs.size as number[]);
      return stridedSlice(backend, x, begin, size);
    }),
    // split(x, sizes, axis): one slice per piece, as the CPU backend does.
    native('SplitV', (inputs, backend, attrs) => {
      const x = inputs.x!;
      const axis = tf.util.parseAxisParam(
        attrs.axis as number, x.shape)[0]!;
      const sizes = tf.backend_util.prepareSplitSize(
        x as tf.Tensor, attrs.numOrSizeSplits as number[], axis);
      const begin = new Array<number>(x.shape.length).fill(0);
      return sizes.map((piece) => {
        const size = x.shape.slice();
        size[axis] = piece;
        const out = stridedSlice(backend, x, begin, size) ??
          cpuKernel('Slice', {
            inputs: { x }, backend, attrs: { begin: begin.slice(), size },
          } as unknown as KernelArgs) as tf.TensorInfo;
        begin[axis] += piece;
        return out;
      });
    }),
  ];
}

/** Every standard kernel the addon accelerates. */
export function standardKernels(addon: NativeAddon): tf.KernelConfig[] {
  return [
    ...matMulKernels(addon),
    ...binaryKernels(addon),
    ...unaryKernels(addon),
    ...reduceKernels(addon),
    ...convKernels(addon),
    batchNormKernel(addon),
    ...sliceKernels(),
  ];
}
