/**
 * Loads the compiled kernel addon (build/Release/modescope_native.node,
 * built by scripts/build-native.mjs during `npm install`).
 *
 * All buffers are float32 row-major; outputs are allocated by the caller.
 * The C++ side re-checks every length and throws a RangeError on a
 * mismatch.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** Activation codes shared with native/kernels.h (enum Act). */
export const ACT = {
  linear: 0,
  relu: 1,
  relu6: 2,
  elu: 3,
  leakyrelu: 4,
  sigmoid: 5,
  tanh: 6,
} as const;
export type ActName = keyof typeof ACT;

/** Binary op codes (enum BinOp). */
export const BIN = {
  Add: 0,
  Sub: 1,
  Multiply: 2,
  RealDiv: 3,
  Maximum: 4,
  Minimum: 5,
  SquaredDifference: 6,
} as const;

/** Unary op codes (enum UnOp). */
export const UN = {
  Relu: 0,
  Relu6: 1,
  Elu: 2,
  LeakyRelu: 3,
  Sigmoid: 4,
  Tanh: 5,
  Exp: 6,
  Log: 7,
  Neg: 8,
  Square: 9,
  Sqrt: 10,
  Rsqrt: 11,
  Softplus: 12,
  Abs: 13,
  Step: 14,
  Log1p: 15,
  Reciprocal: 16,
} as const;

/** Reduction codes (enum RedOp). */
export const RED = { Sum: 0, Mean: 1, Max: 2, Min: 3 } as const;

type F32 = Float32Array;

/** The functions the addon exports (native/addon.cc). */
export interface NativeAddon {
  batchMatMul(
    ta: boolean, tb: boolean, batch: number, m: number, n: number,
    k: number, a: F32, strideA: number, b: F32, strideB: number, c: F32,
    bias: F32 | null, act?: number, alpha?: number,
  ): void;
  gemmRef(
    ta: boolean, tb: boolean, m: number, n: number, k: number, a: F32,
    b: F32, c: F32,
  ): void;
  binary(
    op: number, a: F32, aShape: Int32Array, b: F32, bShape: Int32Array,
    out: F32, outShape: Int32Array, reference?: boolean,
  ): void;
  unary(op: number, x: F32, out: F32, alpha: number): void;
  actGrad(act: number, dy: F32, y: F32, out: F32, alpha: number): void;
  denseGradX(
    act: number, alpha: number, dy: F32, y: F32, w: F32, batch: number,
    units: number, outUnits: number, dx: F32,
  ): void;
  denseGradW(
    act: number, alpha: number, dy: F32, y: F32, x: F32, batch: number,
    units: number, outUnits: number, dw: F32, db: F32 | null,
  ): void;
  /** h[l] = act_l(a_l W[l] + b[l]), a_0 = x, a_l = h[l-1]. */
  mlpForward(
    batch: number, widths: Int32Array, acts: Int32Array, alphas: F32,
    x: F32, w: F32[], b: (F32 | null)[], h: F32[],
  ): void;
  /** mlpForward's backward pass; null outputs are not computed. */
  mlpBackward(
    batch: number, widths: Int32Array, acts: Int32Array, alphas: F32,
    x: F32, w: F32[], h: F32[], dy: F32, dw: F32[] | null,
    db: (F32 | null)[] | null, dx: F32 | null, g0: F32 | null,
  ): void;
  reduce(
    op: number, x: F32, shape: Int32Array, axes: Uint8Array, out: F32,
  ): void;
  conv2d(geom: Int32Array, x: F32, w: F32, y: F32, reference?: boolean): void;
  conv2dBackpropInput(geom: Int32Array, dy: F32, w: F32, dx: F32): void;
  conv2dBackpropFilter(geom: Int32Array, x: F32, dy: F32, dw: F32): void;
  adam(
    p: F32, g: F32, m: F32, v: F32, p2: F32, m2: F32, v2: F32, lr: number,
    beta1: number, beta2: number, eps: number, step: number,
  ): void;
  /** adam over every parameter i of the lists in one call. */
  adamAll(
    p: F32[], g: F32[], m: F32[], v: F32[], p2: F32[], m2: F32[], v2: F32[],
    lr: number, beta1: number, beta2: number, eps: number, step: number,
  ): void;
  batchNorm(
    x: F32, mean: F32, variance: F32, offset: F32 | null,
    scale: F32 | null, eps: number, out: F32,
  ): void;
  bnTrain(
    x: F32, channels: number, gamma: F32 | null, beta: F32 | null,
    eps: number, y: F32,
  ): void;
  bnTrainGrad(
    dy: F32, x: F32, channels: number, gamma: F32 | null, eps: number,
    dx: F32, dgamma: F32, dbeta: F32,
  ): void;
  /**
   * Minibatch discrimination, m [N,B,C] -> o [N,B]:
   * o[i,b] = sum_j exp(-sum_c |m[i,b,c] - m[j,b,c]|), j = i included.
   */
  minibatch(m: F32, N: number, B: number, C: number, o: F32): void;
  /** dm [N,B,C] of minibatch from dy [N,B]. */
  minibatchGrad(
    m: F32, dy: F32, N: number, B: number, C: number, dm: F32,
  ): void;
  setNumThreads(n: number): number;
  numThreads(): number;
  simd(): string;
}

/**
 * Where the addon is built, relative to this file in dist/;
 * MODESCOPE_NATIVE_ADDON overrides it (tests use it to simulate a missing
 * addon).
 */
export const ADDON_PATH = process.env.MODESCOPE_NATIVE_ADDON ?? fileURLToPath(
  new URL('../../../../build/Release/modescope_native.node', import.meta.url),
);

let cached: { addon: NativeAddon | null; reason: string | null } | null =
  null;

/**
 * The addon, or null with a one-line reason when it is missing or fails to
 * load. Loaded once per process.
 */
export function loadAddon(): {
  addon: NativeAddon | null;
  reason: string | null;
} {
  if (cached) return cached;
  try {
    const require = createRequire(import.meta.url);
    const addon = require(ADDON_PATH) as NativeAddon;
    cached = { addon, reason: null };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const first = msg.split('\n')[0] ?? msg;
    const reason = /Cannot find module/.test(first)
      ? 'the native addon is not built (run `npm install` with a C++ ' +
        'compiler present, or `node scripts/build-native.mjs`)'
      : `the native addon failed to load: ${first}`;
    cached = { addon: null, reason };
  }
  return cached;
}
