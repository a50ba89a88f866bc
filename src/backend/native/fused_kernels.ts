/**
 * Native kernels of modescope's fused ops (src/backend/fused.ts): a dense
 * layer's forward pass and the three pieces of its backward pass, a
 * standalone activation and its gradient, and one Adam update for a whole
 * list of parameters. Kernel names start with `Ms`.
 *
 * Dimension legend: x [batch, units], w [units, outUnits], b [outUnits],
 * y = dy [batch, outUnits].
 *
 * MsMlp runs a whole chain of dense layers; its gradient (mlpGradient) is
 * computed here too, straight from the saved arrays, see there.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import {
  ACT, RED, UN, loadAddon, type ActName, type NativeAddon,
} from './addon.js';
import {
  alloc, f32, NATIVE_BACKEND, NativeBackend, output,
} from './backend.js';

type Attrs = Record<string, unknown>;

function need(v: Float32Array | null, kernel: string, what: string) {
  if (!v) {
    throw new TypeError(
      `${kernel}: ${what} must be a float32 tensor, but got another dtype`,
    );
  }
  return v;
}

function actOf(attrs: Attrs): { act: number; alpha: number } {
  const name = String(attrs.activation ?? 'linear') as ActName;
  const act = ACT[name];
  if (act === undefined) {
    throw new RangeError(
      `MsDense: activation must be one of ${Object.keys(ACT).join(', ')}, ` +
        `but got "${name}"`,
    );
  }
  return { act, alpha: Number(attrs.alpha ?? 0.2) };
}

function kernel(
  name: string,
  fn: (
    inputs: tf.NamedTensorInfoMap,
    backend: MathBackendCPU,
    attrs: Attrs,
  ) => tf.TensorInfo | tf.TensorInfo[],
): tf.KernelConfig {
  return {
    kernelName: name,
    backendName: NATIVE_BACKEND,
    kernelFunc: (args) =>
      fn(
        args.inputs,
        args.backend as MathBackendCPU,
        (args.attrs ?? {}) as Attrs,
      ),
  };
}

const UNARY_OF_ACT: Record<number, number> = {
  [ACT.relu]: UN.Relu,
  [ACT.relu6]: UN.Relu6,
  [ACT.elu]: UN.Elu,
  [ACT.leakyrelu]: UN.LeakyRelu,
  [ACT.sigmoid]: UN.Sigmoid,
  [ACT.tanh]: UN.Tanh,
};

/** MsAdam's input names, made once (p0, g0, m0, v0, p1, ...). */
export const ADAM_NAMES = (() => {
  const cache: Record<string, string[]> = { p: [], g: [], m: [], v: [] };
  const get = (k: string) => (i: number) =>
    cache[k]![i] ?? (cache[k]![i] = `${k}${i}`);
  return { p: get('p'), g: get('g'), m: get('m'), v: get('v') };
})();

export function fusedKernels(addon: NativeAddon): tf.KernelConfig[] {
  return [
    mlpKernel(addon),
    // y = act(x w + b)
    kernel('MsDense', (inputs, backend, attrs) => {
      const { x, w, b } = inputs as Record<string, tf.TensorInfo>;
      const xv = need(f32(backend, x!), 'MsDense', 'x');
      const wv = need(f32(backend, w!), 'MsDense', 'w');
      const bv = b ? need(f32(backend, b), 'MsDense', 'b') : null;
      const [batch, units] = x!.shape as [number, number];
      const outUnits = w!.shape[1]!;
      const { act, alpha } = actOf(attrs);
      const out = alloc(backend, batch * outUnits);
      addon.batchMatMul(
        false, false, 1, batch, outUnits, units, xv, 0, wv, 0, out, bv,
        act, alpha,
      );
      return output(backend, [batch, outUnits], out);
    }),
    // dx = (dy * act'(y)) w^T
    kernel('MsDenseGradX', (inputs, backend, attrs) => {
      const { dy, y, w } = inputs as Record<string, tf.TensorInfo>;
      const [units, outUnits] = w!.shape as [number, number];
      const batch = y!.shape[0]!;
      const { act, alpha } = actOf(attrs);
      const dx = alloc(backend, batch * units);
      addon.denseGradX(
        act, alpha,
        need(f32(backend, dy!), 'MsDenseGradX', 'dy'),
        need(f32(backend, y!), 'MsDenseGradX', 'y'),
        need(f32(backend, w!), 'MsDenseGradX', 'w'),
        batch, units, outUnits, dx,
      );
      return output(backend, [batch, units], dx);
    }),
    // dw = x^T (dy * act'(y))
    kernel('MsDenseGradW', (inputs, backend, attrs) => {
      const { dy, y, x } = inputs as Record<string, tf.TensorInfo>;
      const [batch, units] = x!.shape as [number, number];
      const outUnits = y!.shape[1]!;
      const { act, alpha } = actOf(attrs);
      const dw = alloc(backend, units * outUnits);
      addon.denseGradW(
        act, alpha,
        need(f32(backend, dy!), 'MsDenseGradW', 'dy'),
        need(f32(backend, y!), 'MsDenseGradW', 'y'),
        need(f32(backend, x!), 'MsDenseGradW', 'x'),
        batch, units, outUnits, dw, null,
      );
      return output(backend, [units, outUnits], dw);
    }),
    // db = sum over the batch of dy * act'(y)
    kernel('MsDenseGradB', (inputs, backend, attrs) => {
      const { dy, y } = inputs as Record<string, tf.TensorInfo>;
      const [batch, outUnits] = y!.shape as [number, number];
      const { act, alpha } = actOf(attrs);
      const g = alloc(backend, batch * outUnits);
      addon.actGrad(
        act,
        need(f32(backend, dy!), 'MsDenseGradB', 'dy'),
        need(f32(backend, y!), 'MsDenseGradB', 'y'),
        g, alpha,
      );
      const db = alloc(backend, outUnits);
      addon.reduce(
        RED.Sum, g, Int32Array.from([batch, outUnits]),
        Uint8Array.from([1, 0]), db,
      );
      (backend as NativeBackend).recycle(g);
      return output(backend, [outUnits], db);
    }),
    // mean(softplus(sign x)), a scalar; sums in double. Loss-sized inputs
    // (a batch of logits): plain JS is as fast as a call into C++.
    kernel('MsSoftplusMean', (inputs, backend, attrs) => {
      const xv = need(f32(backend, inputs.x!), 'MsSoftplusMean', 'x');
      const sign = Number(attrs.sign);
      let sum = 0;
      for (let i = 0; i < xv.length; ++i) {
        const z = sign * xv[i]!;
        sum += Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
      }
      const out = alloc(backend, 1);
      out[0] = sum / xv.length;
      return output(backend, [], out);
    }),
    // d/dx = dy sign sigmoid(sign x) / n
    kernel('MsSoftplusMeanGrad', (inputs, backend, attrs) => {
      const x = inputs.x!;
      const xv = need(f32(backend, x), 'MsSoftplusMeanGrad', 'x');
      const g = need(f32(backend, inputs.dy!), 'MsSoftplusMeanGrad', 'dy')[0]!;
      const sign = Number(attrs.sign);
      const scale = (g * sign) / xv.length;
      const out = alloc(backend, xv.length);
      for (let i = 0; i < xv.length; ++i) {
        out[i] = scale / (1 + Math.exp(-sign * xv[i]!));
      }
      return output(backend, x.shape, out);
    }),
    // y = act(x), any shape
    kernel('MsAct', (inputs, backend, attrs) => {
      const x = inputs.x!;
      const xv = need(f32(backend, x), 'MsAct', 'x');
      const { act, alpha } = actOf(attrs);
      const out = alloc(backend, xv.length);
      if (act === ACT.linear) out.set(xv);
      else addon.unary(UNARY_OF_ACT[act]!, xv, out, alpha);
      return output(backend, x.shape, out);
    }),
    // dx = dy * act'(y)
    kernel('MsActGrad', (inputs, backend, attrs) => {
      const { dy, y } = inputs as Record<string, tf.TensorInfo>;
      const { act, alpha } = actOf(attrs);
      const yv = need(f32(backend, y!), 'MsActGrad', 'y');
      const out = alloc(backend, yv.length);
      addon.actGrad(
        act, need(f32(backend, dy!), 'MsActGrad', 'dy'), yv, out, alpha,
      );
      return output(backend, y!.shape, out);
    }),
    // Training-mode batch norm over all axes but the last.
    kernel('MsBatchNorm', (inputs, backend, attrs) => {
      const { x, gamma, beta } = inputs as Record<string, tf.TensorInfo>;
      const xv = need(f32(backend, x!), 'MsBatchNorm', 'x');
      const c = x!.shape[x!.shape.length - 1]!;
      const y = alloc(backend, xv.length);
      addon.bnTrain(
        xv, c,
        gamma ? need(f32(backend, gamma), 'MsBatchNorm', 'gamma') : null,
        beta ? need(f32(backend, beta), 'MsBatchNorm', 'beta') : null,
        Number(attrs.eps), y,
      );
      return output(backend, x!.shape, y);
    }),
    // [dx, dgamma, dbeta] of MsBatchNorm.
    kernel('MsBatchNormGrad', (inputs, backend, attrs) => {
      const { dy, x, gamma } = inputs as Record<string, tf.TensorInfo>;
      const xv = need(f32(backend, x!), 'MsBatchNormGrad', 'x');
      const c = x!.shape[x!.shape.length - 1]!;
      const dx = alloc(backend, xv.length);
      const dg = alloc(backend, c);
      const db = alloc(backend, c);
      addon.bnTrainGrad(
        need(f32(backend, dy!), 'MsBatchNormGrad', 'dy'), xv, c,
        gamma ? need(f32(backend, gamma), 'MsBatchNormGrad', 'gamma') : null,
        Number(attrs.eps), dx, dg, db,
      );
      return [
        output(backend, x!.shape, dx),
        output(backend, [c], dg),
        output(backend, [c], db),
      ];
    }),
    // o [N, B] of minibatch discrimination from m [N, B, C]
    kernel('MsMinibatch', (inputs, backend) => {
      const m = inputs.m!;
      const [N, B, C] = m.shape as [number, number, number];
      const o = alloc(backend, N * B);
      addon.minibatch(need(f32(backend, m), 'MsMinibatch', 'm'), N, B, C, o);
      return output(backend, [N, B], o);
    }),
    // dm [N, B, C] of MsMinibatch
    kernel('MsMinibatchGrad', (inputs, backend) => {
      const { m, dy } = inputs as Record<string, tf.TensorInfo>;
      const [N, B, C] = m!.shape as [number, number, number];
      const dm = alloc(backend, N * B * C);
      addon.minibatchGrad(
        need(f32(backend, m!), 'MsMinibatchGrad', 'm'),
        need(f32(backend, dy!), 'MsMinibatchGrad', 'dy'), N, B, C, dm,
      );
      return output(backend, [N, B, C], dm);
    }),
    // Adam over `count` parameters: inputs p0.., g0.., and either m0..,
    // v0.. (outputs [p'0.., m'0.., v'0..]) or, with attrs.flat, one m and
    // one v holding every parameter's moments in order (outputs [p'0..,
    // m', v']).
    kernel('MsAdam', (inputs, backend, attrs) => {
      const count = Number(attrs.count);
      const flat = attrs.flat === true;
      const p: Float32Array[] = [];
      const g: Float32Array[] = [];
      const m: Float32Array[] = [];
      const v: Float32Array[] = [];
      const p2: Float32Array[] = [];
      const m2: Float32Array[] = [];
      const v2: Float32Array[] = [];
      const shapes: number[][] = [];
      let fm: Float32Array | null = null;
      let fv: Float32Array | null = null;
      let fm2: Float32Array | null = null;
      let fv2: Float32Array | null = null;
      if (flat) {
        fm = need(f32(backend, inputs.m!), 'MsAdam', 'm');
        fv = need(f32(backend, inputs.v!), 'MsAdam', 'v');
        fm2 = alloc(backend, fm.length);
        fv2 = alloc(backend, fv.length);
      }
      let offset = 0;
      for (let i = 0; i < count; ++i) {
        const pt = inputs[ADAM_NAMES.p(i)]!;
        const pv = need(f32(backend, pt), 'MsAdam', `params[${i}]`);
        const n = pv.length;
        p.push(pv);
        g.push(need(f32(backend, inputs[ADAM_NAMES.g(i)]!), 'MsAdam',
          `grads[${i}]`));
        p2.push(alloc(backend, n));
        if (flat) {
          m.push(fm!.subarray(offset, offset + n));
          v.push(fv!.subarray(offset, offset + n));
          m2.push(fm2!.subarray(offset, offset + n));
          v2.push(fv2!.subarray(offset, offset + n));
        } else {
          m.push(need(f32(backend, inputs[ADAM_NAMES.m(i)]!), 'MsAdam',
            `m[${i}]`));
          v.push(need(f32(backend, inputs[ADAM_NAMES.v(i)]!), 'MsAdam',
            `v[${i}]`));
          m2.push(alloc(backend, n));
          v2.push(alloc(backend, n));
        }
        offset += n;
        shapes.push(pt.shape);
      }
      addon.adamAll(
        p, g, m, v, p2, m2, v2, Number(attrs.lr), Number(attrs.beta1),
        Number(attrs.beta2), Number(attrs.eps), Number(attrs.step),
      );
      const out = p2.map((a, i) => output(backend, shapes[i]!, a));
      if (flat) {
        out.push(output(backend, [offset], fm2!));
        out.push(output(backend, [offset], fv2!));
      } else {
        const wrap = (a: Float32Array, i: number) =>
          output(backend, shapes[i]!, a);
        out.push(...m2.map(wrap), ...v2.map(wrap));
      }
      return out;
    }),
  ];
}

// ---- a chain of dense layers (MsMlp) ----

/**
 * MsMlp's inputs are an array [w0, b0?, w1, b1?, ..., x] (biases where
 * attrs.biases[l] is 1), so that tf.js asks for the gradients of the
 * parameters before the input's (see mlpGradient).
 */
interface MlpPlan {
  batch: number;
  widths: Int32Array;
  acts: Int32Array;
  alphas: Float32Array;
  /** Index into the input array of w_l, b_l (-1 without), and x. */
  wAt: number[];
  bAt: number[];
  xAt: number;
  /**
   * With attrs.flat (the widths), the inputs are [theta, x]: every w_l
   * ([in, out], row-major) then b_l, layer by layer, in one flat tensor;
   * wOff/bOff are their offsets in theta (bOff -1 without a bias) and
   * size its length.
   */
  flat: boolean;
  wOff: number[];
  bOff: number[];
  size: number;
}

function mlpPlan(shapes: readonly (readonly number[])[], attrs: Attrs):
  MlpPlan {
  const acts = attrs.acts as number[];
  const alphas = attrs.alphas as number[];
  const biases = attrs.biases as number[];
  const flatWidths = attrs.flat as number[] | undefined;
  const L = acts.length;
  const wAt: number[] = [];
  const bAt: number[] = [];
  const wOff: number[] = [];
  const bOff: number[] = [];
  const widths = new Int32Array(L + 1);
  let xAt: number;
  let size = 0;
  if (flatWidths) {
    widths.set(flatWidths);
    for (let l = 0; l < L; ++l) {
      wOff.push(size);
      size += widths[l]! * widths[l + 1]!;
      bOff.push(biases[l] ? size : -1);
      if (biases[l]) size += widths[l + 1]!;
    }
    xAt = 1;
  } else {
    let k = 0;
    for (let l = 0; l < L; ++l) {
      wAt.push(k++);
      bAt.push(biases[l] ? k++ : -1);
    }
    xAt = k;
    widths[0] = shapes[xAt]![1]!;
    for (let l = 0; l < L; ++l) widths[l + 1] = shapes[wAt[l]!]![1]!;
  }
  return {
    batch: shapes[xAt]![0]!,
    widths,
    acts: Int32Array.from(acts),
    alphas: Float32Array.from(alphas),
    wAt,
    bAt,
    xAt,
    flat: flatWidths !== undefined,
    wOff,
    bOff,
    size,
  };
}

/** The weight and bias arrays of each layer (views into theta if flat). */
function layerArrays(
  plan: MlpPlan, get: (i: number, what: string) => Float32Array,
): { W: Float32Array[]; b: (Float32Array | null)[] } {
  const { widths } = plan;
  if (plan.flat) {
    const theta = get(0, 'theta');
    return {
      W: plan.wOff.map((o, l) =>
        theta.subarray(o, o + widths[l]! * widths[l + 1]!)),
      b: plan.bOff.map((o, l) =>
        (o < 0 ? null : theta.subarray(o, o + widths[l + 1]!))),
    };
  }
  return {
    W: plan.wAt.map((i, l) => get(i, `w${l}`)),
    b: plan.bAt.map((i, l) => (i < 0 ? null : get(i, `b${l}`))),
  };
}

/**
 * The hidden outputs h[0..L-2] of one MsMlp forward pass, shared by the
 * memo below and by the outputs whose backward pass may still come; back
 * to the pool when the last of them lets go.
 */
interface Hidden {
  arrays: Float32Array[];
  refs: number;
  backend: NativeBackend;
}

function release(h: Hidden): void {
  if (--h.refs === 0) for (const a of h.arrays) h.backend.recycle(a);
}

/**
 * What the backward pass of an MsMlp call needs, kept while the tape may
 * still ask for it: its inputs (held with a backend reference each, so
 * their buffers are neither freed nor recycled) and its hidden outputs.
 * Keyed by the output's data id, which the tape keeps (outputsToSave) and
 * frees after the backward pass; everything is let go then. Cheaper than
 * tf.js's saved copies of every input (one Identity kernel each).
 */
interface MlpSaved {
  inputs: tf.TensorInfo[];
  hidden: Hidden;
  /** Scratch of the backward pass that no closure took (back to the pool
   * with the rest). */
  spare: Float32Array[];
}
const MLP_SAVED = new WeakMap<object, MlpSaved>();

function keepForBackward(
  backend: NativeBackend, out: tf.TensorInfo, inputs: tf.TensorInfo[],
  h: Hidden,
) {
  h.refs += 1;
  const kept = inputs.map((t) => ({
    dataId: t.dataId, shape: t.shape.slice(), dtype: t.dtype,
  }));
  for (const t of kept) backend.incRef(t.dataId);
  const saved: MlpSaved = { inputs: kept, hidden: h, spare: [] };
  MLP_SAVED.set(out.dataId, saved);
  backend.onFree(out.dataId, () => {
    release(h);
    for (const a of saved.spare) backend.recycle(a);
    for (const t of kept) backend.disposeData(t.dataId);
  });
}

/**
 * The last few MsMlp results, keyed by their inputs' data ids. tf.js
 * tensors are immutable and a data id is never reused, so the same ids
 * mean the same values and the same result: a GAN step that runs
 * G(z) for D's update and again, unchanged, inside the tape of G's update
 * (what PyTorch does with one graph) computes it once.
 */
interface MlpMemo {
  ids: object[];
  plan: MlpPlan;
  /** A copy of the first output, the memo's own (not from the pool). */
  y: Float32Array;
  hidden: Hidden;
}
const MLP_MEMO: MlpMemo[] = [];
const MLP_MEMO_SIZE = 4;

function sameItems<E>(a: ArrayLike<E>, b: ArrayLike<E>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; ++i) if (a[i] !== b[i]) return false;
  return true;
}

/** The same layout and activations (the inputs are compared apart). */
function samePlan(a: MlpPlan, b: MlpPlan): boolean {
  return a.flat === b.flat && sameItems(a.widths, b.widths) &&
    sameItems(a.bAt, b.bAt) && sameItems(a.bOff, b.bOff) &&
    sameItems(a.acts, b.acts) && sameItems(a.alphas, b.alphas);
}

export function mlpKernel(addon: NativeAddon): tf.KernelConfig {
  return kernel('MsMlp', (inputs, cpu, attrs) => {
    const backend = cpu as NativeBackend;
    const list = inputs as unknown as tf.TensorInfo[];
    const plan = mlpPlan(list.map((t) => t.shape), attrs);
    const { batch, widths, xAt } = plan;
    const L = plan.acts.length;
    const shape = [batch, widths[L]!];
    const ids = list.map((t) => t.dataId as object);
    // The same inputs in the same slots with the same layout and
    // activations: the same result.
    const hit = MLP_MEMO.find((m) =>
      sameItems(m.ids, ids) && samePlan(m.plan, plan));
    if (hit) {
      const y = alloc(backend, hit.y.length);
      y.set(hit.y);
      const out = output(backend, shape, y);
      if (attrs.save) keepForBackward(backend, out, list, hit.hidden);
      return out;
    }
    const get = (i: number, what: string) =>
      need(f32(backend, list[i]!), 'MsMlp', what);
    const h = Array.from(
      { length: L }, (_, l) => alloc(backend, batch * widths[l + 1]!),
    );
    const { W, b } = layerArrays(plan, get);
    addon.mlpForward(
      batch, widths, plan.acts, plan.alphas, get(xAt, 'x'), W, b, h,
    );
    const out = output(backend, shape, h[L - 1]!);
    const hidden: Hidden = { arrays: h.slice(0, L - 1), refs: 1, backend };
    if (attrs.save) keepForBackward(backend, out, list, hidden);
    // The memo copies y rather than pinning the output's buffer, which
    // then returns to the pool like any other; the copy reuses the
    // evicted entry's array when the sizes agree.
    const evicted = MLP_MEMO.length >= MLP_MEMO_SIZE ? MLP_MEMO.pop()! : null;
    if (evicted) release(evicted.hidden);
    const y = h[L - 1]!;
    const copy = evicted && evicted.y.length === y.length
      ? evicted.y : new Float32Array(y.length);
    copy.set(y);
    MLP_MEMO.unshift({ ids, plan, y: copy, hidden });
    return out;
  });
}

/**
 * MsMlp's gradient closures; saved = [y], the rest is in MLP_SAVED.
 * tf.js calls the closures of the inputs it needs in input order,
 * parameters first: the first parameter closure runs the whole backward
 * pass once for every parameter (and keeps layer 0's pre-activation
 * gradient, from which the input's gradient is one product); if the
 * input's closure comes first, no parameter gradient is wanted (a
 * generator step through D) and the backward pass computes dx alone.
 * Results are plain arrays until a closure wraps its own as a tensor, so
 * nothing unused is ever tracked.
 */
export function mlpGradient(
  dy: tf.Tensor,
  saved: tf.Tensor[],
  attrs: Attrs,
): Record<string, () => tf.Tensor> {
  const { addon } = loadAddon();
  const backend = tf.backend() as NativeBackend;
  const y = saved[0]!;
  const kept = MLP_SAVED.get(y.dataId);
  if (!kept) {
    // The kernel keeps them whenever the tape is on, which is the only
    // way to reach this gradient.
    throw new Error('MsMlp gradient: the forward pass kept no inputs');
  }
  const inputs = kept.inputs;
  const plan = mlpPlan(inputs.map((t) => t.shape), attrs);
  const { batch, widths, xAt } = plan;
  const L = plan.acts.length;
  const get = (t: tf.TensorInfo, what: string) =>
    need(f32(backend, t), 'MsMlp gradient', what);
  const ws = () => layerArrays(plan, (i, what) => get(inputs[i]!, what)).W;
  const hidden = () => [...kept.hidden.arrays, get(y, 'y')];
  const tensor = (v: Float32Array, shape: number[]) =>
    tf.engine().makeTensor(v, shape, 'float32');

  interface ParamGrads {
    dw: Float32Array[];
    db: (Float32Array | null)[];
    /** flat: dw and db are views into it. */
    theta: Float32Array | null;
    g0: Float32Array;
  }
  let params: ParamGrads | null = null;
  const paramGrads = (): ParamGrads => {
    if (params) return params;
    let dw: Float32Array[];
    let db: (Float32Array | null)[];
    let theta: Float32Array | null = null;
    if (plan.flat) {
      // Every entry of theta is some layer's w or b: all written.
      const t = alloc(backend, plan.size);
      theta = t;
      dw = plan.wOff.map((o, l) =>
        t.subarray(o, o + widths[l]! * widths[l + 1]!));
      db = plan.bOff.map((o, l) =>
        (o < 0 ? null : t.subarray(o, o + widths[l + 1]!)));
    } else {
      dw = plan.wAt.map((_, l) =>
        alloc(backend, widths[l]! * widths[l + 1]!));
      db = plan.bAt.map((i, l) =>
        (i < 0 ? null : alloc(backend, widths[l + 1]!)));
    }
    const g0 = alloc(backend, batch * widths[1]!);
    addon!.mlpBackward(
      batch, widths, plan.acts, plan.alphas, get(inputs[xAt]!, 'x'), ws(),
      hidden(), get(dy, 'dy'), dw, db, null, g0,
    );
    params = { dw, db, theta, g0 };
    // g0 is only read if the input's closure follows; otherwise it goes
    // back to the pool with the saved arrays.
    kept.spare.push(g0);
    return params;
  };

  const grads: Record<string, () => tf.Tensor> = {};
  if (plan.flat) {
    grads[0] = () => tensor(paramGrads().theta!, [plan.size]);
  } else {
    for (let l = 0; l < L; ++l) {
      grads[plan.wAt[l]!] = () =>
        tensor(paramGrads().dw[l]!, [widths[l]!, widths[l + 1]!]);
      if (plan.bAt[l]! >= 0) {
        grads[plan.bAt[l]!] = () =>
          tensor(paramGrads().db[l]!, [widths[l + 1]!]);
      }
    }
  }
  grads[xAt] = () => {
    const dx = alloc(backend, batch * widths[0]!);
    if (params) {
      // dx = g0 w0^T
      addon!.batchMatMul(
        false, true, 1, batch, widths[0]!, widths[1]!, params.g0, 0,
        ws()[0]!, 0, dx, null,
      );
    } else {
      addon!.mlpBackward(
        batch, widths, plan.acts, plan.alphas, get(inputs[xAt]!, 'x'), ws(),
        hidden(), get(dy, 'dy'), null, null, dx, null,
      );
    }
    return tensor(dx, [batch, widths[0]!]);
  };
  return grads;
}
