// N-API bindings of the modescope kernels.
//
// Every function takes its output buffers from JavaScript (Float32Arrays
// allocated by the tf.js backend), so the addon owns no tensor memory and
// cannot leak it; its only allocations are per-thread scratch buffers that
// are reused across calls. Sizes are checked here, again, before any kernel
// touches memory: a wrong length throws a RangeError instead of corrupting
// the heap.
#include <node_api.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "kernels.h"
#include "pool.h"

namespace {

struct Args {
  napi_env env;
  size_t argc = 24;
  napi_value argv[24];
  bool failed = false;
  const char* fn;

  Args(napi_env e, napi_callback_info info, const char* name)
      : env(e), fn(name) {
    napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  }

  void fail(const std::string& what) {
    if (failed) return;
    failed = true;
    std::string msg = std::string("modescope-native ") + fn + ": " + what;
    napi_throw_range_error(env, nullptr, msg.c_str());
  }

  double num(size_t i) {
    double v = 0;
    if (i >= argc || napi_get_value_double(env, argv[i], &v) != napi_ok) {
      fail("argument " + std::to_string(i) + " must be a number");
    }
    return v;
  }
  int i32(size_t i) { return (int)num(i); }
  bool flag(size_t i) {
    bool v = false;
    if (i >= argc || napi_get_value_bool(env, argv[i], &v) != napi_ok) {
      fail("argument " + std::to_string(i) + " must be a boolean");
    }
    return v;
  }
  bool is_null(size_t i) {
    napi_valuetype t;
    if (i >= argc) return true;
    napi_typeof(env, argv[i], &t);
    return t == napi_null || t == napi_undefined;
  }
  // A typed array of the given kind with at least `need` elements.
  template <typename T>
  T* arr(size_t i, napi_typedarray_type want, long need,
         size_t* len = nullptr) {
    if (failed) return nullptr;
    bool is = false;
    if (i >= argc || napi_is_typedarray(env, argv[i], &is) != napi_ok || !is) {
      fail("argument " + std::to_string(i) + " must be a typed array");
      return nullptr;
    }
    napi_typedarray_type type;
    size_t n;
    void* data;
    napi_get_typedarray_info(env, argv[i], &type, &n, &data, nullptr,
                             nullptr);
    if (type != want) {
      fail("argument " + std::to_string(i) + " has the wrong element type");
      return nullptr;
    }
    if (need >= 0 && (long)n < need) {
      fail("argument " + std::to_string(i) + " must hold at least " +
           std::to_string(need) + " elements, but holds " +
           std::to_string(n));
      return nullptr;
    }
    if (len) *len = n;
    return static_cast<T*>(data);
  }
  float* f32(size_t i, long need, size_t* len = nullptr) {
    return arr<float>(i, napi_float32_array, need, len);
  }
  int32_t* i32s(size_t i, size_t* len) {
    return arr<int32_t>(i, napi_int32_array, -1, len);
  }
};

napi_value undef(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

// batchMatMul(ta, tb, batch, M, N, K, A, strideA, B, strideB, C,
//             bias|null, act, alpha)
napi_value BatchMatMul(napi_env env, napi_callback_info info) {
  Args a(env, info, "batchMatMul");
  bool ta = a.flag(0), tb = a.flag(1);
  int batch = a.i32(2), M = a.i32(3), N = a.i32(4), K = a.i32(5);
  long sA = (long)a.num(7), sB = (long)a.num(9);
  if (a.failed) return nullptr;
  if (batch < 0 || M < 0 || N < 0 || K < 0) {
    a.fail("dimensions must be non-negative");
    return nullptr;
  }
  const float* A = a.f32(6, sA * (batch - 1) + (long)M * K);
  const float* B = a.f32(8, sB * (batch - 1) + (long)K * N);
  float* C = a.f32(10, (long)batch * M * N);
  if (a.failed) return nullptr;
  ms::sgemm_batched(ta, tb, batch, M, N, K, A, sA, B, sB, C);
  if (!a.is_null(11)) {
    size_t blen = 0;
    const float* bias = a.f32(11, 1, &blen);
    int act = a.i32(12);
    float alpha = (float)a.num(13);
    if (a.failed) return nullptr;
    if ((long)blen != N && blen != 1) {
      a.fail("bias must hold N or 1 elements");
      return nullptr;
    }
    ms::bias_act(C, batch * M, N, bias, (int)blen, act, alpha);
  } else if (a.argc > 12) {
    int act = a.i32(12);
    float alpha = (float)a.num(13);
    if (a.failed) return nullptr;
    if (act != ms::kLinear) {
      ms::bias_act(C, batch * M, N, nullptr, 0, act, alpha);
    }
  }
  return undef(env);
}

// gemmRef(ta, tb, M, N, K, A, B, C): the plain reference.
napi_value GemmRef(napi_env env, napi_callback_info info) {
  Args a(env, info, "gemmRef");
  bool ta = a.flag(0), tb = a.flag(1);
  int M = a.i32(2), N = a.i32(3), K = a.i32(4);
  const float* A = a.f32(5, (long)M * K);
  const float* B = a.f32(6, (long)K * N);
  float* C = a.f32(7, (long)M * N);
  if (a.failed) return nullptr;
  ms::sgemm_ref(ta, tb, M, N, K, A, ta ? M : K, B, tb ? K : N, C, N, false);
  return undef(env);
}

// binary(op, a, aShape, b, bShape, out, outShape, reference?)
napi_value Binary(napi_env env, napi_callback_info info) {
  Args a(env, info, "binary");
  int op = a.i32(0);
  size_t ar = 0, br = 0, orr = 0;
  const int32_t* as = a.i32s(2, &ar);
  const int32_t* bs = a.i32s(4, &br);
  const int32_t* os = a.i32s(6, &orr);
  if (a.failed) return nullptr;
  if (ar > 8 || br > 8 || orr > 8 || ar > orr || br > orr) {
    a.fail("ranks must be at most 8 and at most the output's");
    return nullptr;
  }
  long na = 1, nb = 1, no = 1;
  for (size_t i = 0; i < ar; ++i) na *= as[i];
  for (size_t i = 0; i < br; ++i) nb *= bs[i];
  for (size_t i = 0; i < orr; ++i) no *= os[i];
  for (size_t i = 0; i < orr; ++i) {
    long d = os[i];
    long da = i + ar >= orr ? as[i + ar - orr] : 1;
    long db = i + br >= orr ? bs[i + br - orr] : 1;
    if ((da != d && da != 1) || (db != d && db != 1)) {
      a.fail("shapes do not broadcast to the output shape");
      return nullptr;
    }
  }
  const float* A = a.f32(1, na);
  const float* B = a.f32(3, nb);
  float* O = a.f32(5, no);
  bool ref = a.argc > 7 && a.flag(7);
  if (a.failed) return nullptr;
  (ref ? ms::binary_ref : ms::binary)(op, A, as, (int)ar, B, bs, (int)br, O,
                                     os, (int)orr);
  return undef(env);
}

// unary(op, x, out, alpha)
napi_value Unary(napi_env env, napi_callback_info info) {
  Args a(env, info, "unary");
  int op = a.i32(0);
  size_t n = 0;
  const float* X = a.f32(1, 0, &n);
  float* O = a.f32(2, (long)n);
  float alpha = (float)a.num(3);
  if (a.failed) return nullptr;
  ms::unary(op, X, O, (long)n, alpha);
  return undef(env);
}

// actGrad(act, dy, y, out, alpha)
napi_value ActGrad(napi_env env, napi_callback_info info) {
  Args a(env, info, "actGrad");
  int act = a.i32(0);
  size_t n = 0;
  const float* dy = a.f32(1, 0, &n);
  const float* y = a.f32(2, (long)n);
  float* O = a.f32(3, (long)n);
  float alpha = (float)a.num(4);
  if (a.failed) return nullptr;
  ms::act_grad(act, dy, y, O, (long)n, alpha);
  return undef(env);
}

std::vector<float>& grad_scratch() {
  static std::vector<float> g;
  return g;
}

// denseGradX(act, alpha, dy, y, W, B, I, O, dx): dx = (dy*act'(y)) W^T
napi_value DenseGradX(napi_env env, napi_callback_info info) {
  Args a(env, info, "denseGradX");
  int act = a.i32(0);
  float alpha = (float)a.num(1);
  int Bn = a.i32(5), I = a.i32(6), O = a.i32(7);
  const float* dy = a.f32(2, (long)Bn * O);
  const float* y = a.f32(3, (long)Bn * O);
  const float* W = a.f32(4, (long)I * O);
  float* dx = a.f32(8, (long)Bn * I);
  if (a.failed) return nullptr;
  const float* g = dy;
  if (act != ms::kLinear) {
    auto& s = grad_scratch();
    s.resize((size_t)Bn * O);
    ms::act_grad(act, dy, y, s.data(), (long)Bn * O, alpha);
    g = s.data();
  }
  ms::sgemm(false, true, Bn, I, O, g, O, W, O, dx, I, false);
  return undef(env);
}

// denseGradW(act, alpha, dy, y, x, B, I, O, dW, db|null):
// dW = x^T g, db = sum_rows g, g = dy*act'(y)
napi_value DenseGradW(napi_env env, napi_callback_info info) {
  Args a(env, info, "denseGradW");
  int act = a.i32(0);
  float alpha = (float)a.num(1);
  int Bn = a.i32(5), I = a.i32(6), O = a.i32(7);
  const float* dy = a.f32(2, (long)Bn * O);
  const float* y = a.f32(3, (long)Bn * O);
  const float* x = a.f32(4, (long)Bn * I);
  float* dW = a.f32(8, (long)I * O);
  float* db = a.is_null(9) ? nullptr : a.f32(9, O);
  if (a.failed) return nullptr;
  const float* g = dy;
  if (act != ms::kLinear) {
    auto& s = grad_scratch();
    s.resize((size_t)Bn * O);
    ms::act_grad(act, dy, y, s.data(), (long)Bn * O, alpha);
    g = s.data();
  }
  ms::sgemm(true, false, I, O, Bn, x, I, g, O, dW, O, false);
  if (db) {
    int shape[2] = {Bn, O};
    uint8_t axes[2] = {1, 0};
    ms::reduce(ms::kRSum, g, shape, 2, axes, db);
  }
  return undef(env);
}

// ---- a chain of dense layers ----

// The float32 arrays in JS array argument i (entries may be null when
// nullable); entry k must hold at least need[k] elements.
std::vector<float*> f32_list(Args& a, size_t i, const std::vector<long>& need,
                             bool nullable) {
  std::vector<float*> out(need.size(), nullptr);
  if (a.failed) return out;
  bool is = false;
  uint32_t n = 0;
  if (i >= a.argc || napi_is_array(a.env, a.argv[i], &is) != napi_ok || !is ||
      napi_get_array_length(a.env, a.argv[i], &n) != napi_ok ||
      n != need.size()) {
    a.fail("argument " + std::to_string(i) + " must be an array of " +
           std::to_string(need.size()) + " Float32Arrays");
    return out;
  }
  for (uint32_t k = 0; k < n; ++k) {
    napi_value v;
    napi_get_element(a.env, a.argv[i], k, &v);
    napi_valuetype t;
    napi_typeof(a.env, v, &t);
    if (t == napi_null || t == napi_undefined) {
      if (!nullable) {
        a.fail("argument " + std::to_string(i) + "[" + std::to_string(k) +
               "] must be a Float32Array");
      }
      continue;
    }
    bool ta = false;
    napi_typedarray_type type;
    size_t len = 0;
    void* data = nullptr;
    if (napi_is_typedarray(a.env, v, &ta) != napi_ok || !ta ||
        napi_get_typedarray_info(a.env, v, &type, &len, &data, nullptr,
                                 nullptr) != napi_ok ||
        type != napi_float32_array || (long)len < need[k]) {
      a.fail("argument " + std::to_string(i) + "[" + std::to_string(k) +
             "] must be a Float32Array of at least " +
             std::to_string(need[k]) + " elements");
      return out;
    }
    out[k] = static_cast<float*>(data);
  }
  return out;
}

// The shape arguments shared by mlpForward and mlpBackward:
// (batch, widths Int32Array[L+1], acts Int32Array[L], alphas Float32Array[L]).
struct MlpArgs {
  ms::MlpShape shape{};
  bool ok = false;
};

MlpArgs mlp_args(Args& a) {
  MlpArgs r;
  int batch = a.i32(0);
  size_t nw = 0, na = 0;
  const int32_t* widths = a.i32s(1, &nw);
  const int32_t* acts = a.i32s(2, &na);
  if (a.failed) return r;
  const float* alphas = a.f32(3, (long)na);
  if (a.failed) return r;
  if (batch < 1 || na < 1 || nw != na + 1) {
    a.fail("needs batch >= 1 and widths one longer than acts");
    return r;
  }
  for (size_t k = 0; k < nw; ++k) {
    if (widths[k] < 1) {
      a.fail("widths must be positive");
      return r;
    }
  }
  for (size_t k = 0; k < na; ++k) {
    if (acts[k] < ms::kLinear || acts[k] > ms::kTanh) {
      a.fail("unknown activation code " + std::to_string(acts[k]));
      return r;
    }
  }
  r.shape = ms::MlpShape{batch, (int)na, widths, acts, alphas};
  r.ok = true;
  return r;
}

std::vector<long> weight_sizes(const ms::MlpShape& s) {
  std::vector<long> v;
  for (int l = 0; l < s.layers; ++l) {
    v.push_back((long)s.width[l] * s.width[l + 1]);
  }
  return v;
}

std::vector<long> unit_sizes(const ms::MlpShape& s, long mul) {
  std::vector<long> v;
  for (int l = 0; l < s.layers; ++l) v.push_back(mul * s.width[l + 1]);
  return v;
}

// mlpForward(batch, widths, acts, alphas, x, W[], b[] (entries nullable),
//            h[]): h[l] receives layer l's output.
napi_value MlpForward(napi_env env, napi_callback_info info) {
  Args a(env, info, "mlpForward");
  MlpArgs m = mlp_args(a);
  if (!m.ok) return nullptr;
  const ms::MlpShape& s = m.shape;
  const float* x = a.f32(4, (long)s.batch * s.width[0]);
  auto W = f32_list(a, 5, weight_sizes(s), false);
  auto b = f32_list(a, 6, unit_sizes(s, 1), true);
  auto h = f32_list(a, 7, unit_sizes(s, s.batch), false);
  if (a.failed) return nullptr;
  std::vector<const float*> Wc(W.begin(), W.end()), bc(b.begin(), b.end());
  ms::mlp_forward(s, x, Wc.data(), bc.data(), h.data());
  return undef(env);
}

// mlpBackward(batch, widths, acts, alphas, x, W[], h[], dy, dW[]|null,
//             db[]|null (entries nullable), dx|null, g0|null)
napi_value MlpBackward(napi_env env, napi_callback_info info) {
  Args a(env, info, "mlpBackward");
  MlpArgs m = mlp_args(a);
  if (!m.ok) return nullptr;
  const ms::MlpShape& s = m.shape;
  const int L = s.layers;
  const float* x = a.f32(4, (long)s.batch * s.width[0]);
  auto W = f32_list(a, 5, weight_sizes(s), false);
  auto h = f32_list(a, 6, unit_sizes(s, s.batch), false);
  const float* dy = a.f32(7, (long)s.batch * s.width[L]);
  std::vector<float*> dW, db;
  if (!a.is_null(8)) {
    dW = f32_list(a, 8, weight_sizes(s), false);
    db = a.is_null(9) ? std::vector<float*>(L, nullptr)
                      : f32_list(a, 9, unit_sizes(s, 1), true);
  }
  float* dx = a.is_null(10) ? nullptr : a.f32(10, (long)s.batch * s.width[0]);
  float* g0 = a.is_null(11) ? nullptr : a.f32(11, (long)s.batch * s.width[1]);
  if (a.failed) return nullptr;
  std::vector<const float*> Wc(W.begin(), W.end()), hc(h.begin(), h.end());
  ms::mlp_backward(s, x, Wc.data(), hc.data(), dy,
                   dW.empty() ? nullptr : dW.data(),
                   db.empty() ? nullptr : db.data(), dx, g0);
  return undef(env);
}

// reduce(op, x, shape, axesMask(Uint8Array), out)
napi_value Reduce(napi_env env, napi_callback_info info) {
  Args a(env, info, "reduce");
  int op = a.i32(0);
  size_t r = 0, ar = 0;
  const int32_t* shape = a.i32s(2, &r);
  const uint8_t* axes =
      a.arr<uint8_t>(3, napi_uint8_array, (long)r, &ar);
  if (a.failed) return nullptr;
  if (r > 16) {
    a.fail("rank must be at most 16");
    return nullptr;
  }
  long n = 1, no = 1;
  for (size_t i = 0; i < r; ++i) {
    n *= shape[i];
    if (!axes[i]) no *= shape[i];
  }
  const float* X = a.f32(1, n);
  float* O = a.f32(4, no);
  if (a.failed) return nullptr;
  ms::reduce(op, X, shape, (int)r, axes, O);
  return undef(env);
}

bool read_geom(Args& a, size_t i, ms::ConvGeom* g) {
  size_t n = 0;
  const int32_t* v = a.i32s(i, &n);
  if (a.failed) return false;
  if (n != 15) {
    a.fail("geometry must hold 15 integers");
    return false;
  }
  *g = {v[0], v[1], v[2], v[3], v[4], v[5], v[6],
        v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14]};
  for (size_t k = 0; k < 15; ++k) {
    if (v[k] < 0) {
      a.fail("geometry must be non-negative");
      return false;
    }
  }
  return true;
}

long x_len(const ms::ConvGeom& g) {
  return (long)g.batch * g.inH * g.inW * g.inC;
}
long y_len(const ms::ConvGeom& g) {
  return (long)g.batch * g.outH * g.outW * g.outC;
}
long w_len(const ms::ConvGeom& g) { return (long)g.kh * g.kw * g.inC * g.outC; }

// conv2d(geom, x, w, y, reference?)
napi_value Conv2D(napi_env env, napi_callback_info info) {
  Args a(env, info, "conv2d");
  ms::ConvGeom g;
  if (!read_geom(a, 0, &g)) return nullptr;
  const float* x = a.f32(1, x_len(g));
  const float* w = a.f32(2, w_len(g));
  float* y = a.f32(3, y_len(g));
  bool ref = a.argc > 4 && a.flag(4);
  if (a.failed) return nullptr;
  (ref ? ms::conv2d_ref : ms::conv2d)(g, x, w, y);
  return undef(env);
}

// conv2dBackpropInput(geom, dy, w, dx)
napi_value Conv2DBackpropInput(napi_env env, napi_callback_info info) {
  Args a(env, info, "conv2dBackpropInput");
  ms::ConvGeom g;
  if (!read_geom(a, 0, &g)) return nullptr;
  const float* dy = a.f32(1, y_len(g));
  const float* w = a.f32(2, w_len(g));
  float* dx = a.f32(3, x_len(g));
  if (a.failed) return nullptr;
  ms::conv2d_backprop_input(g, dy, w, dx);
  return undef(env);
}

// conv2dBackpropFilter(geom, x, dy, dw)
napi_value Conv2DBackpropFilter(napi_env env, napi_callback_info info) {
  Args a(env, info, "conv2dBackpropFilter");
  ms::ConvGeom g;
  if (!read_geom(a, 0, &g)) return nullptr;
  const float* x = a.f32(1, x_len(g));
  const float* dy = a.f32(2, y_len(g));
  float* dw = a.f32(3, w_len(g));
  if (a.failed) return nullptr;
  ms::conv2d_backprop_filter(g, x, dy, dw);
  return undef(env);
}

// adam(p, g, m, v, p2, m2, v2, lr, b1, b2, eps, step)
napi_value Adam(napi_env env, napi_callback_info info) {
  Args a(env, info, "adam");
  size_t n = 0;
  const float* p = a.f32(0, 0, &n);
  const float* g = a.f32(1, (long)n);
  const float* m = a.f32(2, (long)n);
  const float* v = a.f32(3, (long)n);
  float* p2 = a.f32(4, (long)n);
  float* m2 = a.f32(5, (long)n);
  float* v2 = a.f32(6, (long)n);
  float lr = (float)a.num(7), b1 = (float)a.num(8), b2 = (float)a.num(9);
  float eps = (float)a.num(10);
  int step = a.i32(11);
  if (a.failed) return nullptr;
  ms::adam(p, g, m, v, p2, m2, v2, (long)n, lr, b1, b2, eps, step);
  return undef(env);
}

// adamAll(p[], g[], m[], v[], p2[], m2[], v2[], lr, beta1, beta2, eps,
//         step): adam over every parameter in one call.
napi_value AdamAll(napi_env env, napi_callback_info info) {
  Args a(env, info, "adamAll");
  uint32_t count = 0;
  bool is = false;
  if (a.argc < 12 || napi_is_array(env, a.argv[0], &is) != napi_ok || !is ||
      napi_get_array_length(env, a.argv[0], &count) != napi_ok) {
    a.fail("argument 0 must be an array of Float32Arrays");
    return nullptr;
  }
  std::vector<long> sizes(count, 0);
  {
    // The parameters' own lengths set what the other lists must hold.
    std::vector<long> none(count, 0);
    auto p = f32_list(a, 0, none, false);
    if (a.failed) return nullptr;
    for (uint32_t i = 0; i < count; ++i) {
      napi_value v;
      napi_get_element(env, a.argv[0], i, &v);
      size_t len = 0;
      napi_get_typedarray_info(env, v, nullptr, &len, nullptr, nullptr,
                               nullptr);
      sizes[i] = (long)len;
    }
  }
  std::vector<float*> lists[7];
  for (int k = 0; k < 7; ++k) lists[k] = f32_list(a, k, sizes, false);
  float lr = (float)a.num(7), b1 = (float)a.num(8), b2 = (float)a.num(9);
  float eps = (float)a.num(10);
  int step = a.i32(11);
  if (a.failed) return nullptr;
  std::vector<ms::AdamTensor> t(count);
  for (uint32_t i = 0; i < count; ++i) {
    t[i] = {lists[0][i], lists[1][i], lists[2][i], lists[3][i],
            lists[4][i], lists[5][i], lists[6][i], sizes[i]};
  }
  ms::adam_multi((int)count, t.data(), lr, b1, b2, eps, step);
  return undef(env);
}

// batchNorm(x, mean, variance, offset|null, scale|null, eps, out):
// out = (x - mean) * scale / sqrt(variance + eps) + offset, each parameter
// indexed modulo its length like tf.js's CPU kernel.
napi_value BatchNorm(napi_env env, napi_callback_info info) {
  Args a(env, info, "batchNorm");
  size_t n = 0, nm = 0, nv = 0, no = 0, ns = 0;
  const float* x = a.f32(0, 0, &n);
  const float* mean = a.f32(1, 1, &nm);
  const float* var = a.f32(2, 1, &nv);
  const float* off = a.is_null(3) ? nullptr : a.f32(3, 1, &no);
  const float* sc = a.is_null(4) ? nullptr : a.f32(4, 1, &ns);
  float eps = (float)a.num(5);
  float* out = a.f32(6, (long)n);
  if (a.failed) return nullptr;
  // Per-channel factors when every parameter has the same length C.
  size_t C = nm;
  bool channel = nv == C && (!off || no == C) && (!sc || ns == C) && C > 0 &&
                 n % C == 0;
  if (channel) {
    std::vector<float> mul(C), add(C);
    for (size_t c = 0; c < C; ++c) {
      float s = (sc ? sc[c] : 1.f) / std::sqrt(var[c] + eps);
      mul[c] = s;
      add[c] = (off ? off[c] : 0.f) - mean[c] * s;
    }
    long rows = (long)(n / C);
    const float* mp = mul.data();
    const float* ap = add.data();
    ms::parallel_for(rows, 1, (double)C, [&](long r0, long r1) {
      for (long r = r0; r < r1; ++r) {
        const float* xi = x + r * C;
        float* o = out + r * C;
        for (size_t c = 0; c < C; ++c) o[c] = xi[c] * mp[c] + ap[c];
      }
    });
  } else {
    for (size_t i = 0; i < n; ++i) {
      float s = (sc ? sc[i % ns] : 1.f) / std::sqrt(var[i % nv] + eps);
      out[i] = (x[i] - mean[i % nm]) * s + (off ? off[i % no] : 0.f);
    }
  }
  return undef(env);
}

// bnTrain(x, C, gamma|null, beta|null, eps, y)
napi_value BnTrain(napi_env env, napi_callback_info info) {
  Args a(env, info, "bnTrain");
  size_t n = 0;
  const float* x = a.f32(0, 0, &n);
  int C = a.i32(1);
  if (a.failed) return nullptr;
  if (C <= 0 || n % C != 0) {
    a.fail("x must hold a whole number of rows of C channels");
    return nullptr;
  }
  const float* gamma = a.is_null(2) ? nullptr : a.f32(2, C);
  const float* beta = a.is_null(3) ? nullptr : a.f32(3, C);
  float eps = (float)a.num(4);
  float* y = a.f32(5, (long)n);
  if (a.failed) return nullptr;
  ms::bn_train_forward(x, (long)(n / C), C, gamma, beta, eps, y);
  return undef(env);
}

// bnTrainGrad(dy, x, C, gamma|null, eps, dx, dgamma, dbeta)
napi_value BnTrainGrad(napi_env env, napi_callback_info info) {
  Args a(env, info, "bnTrainGrad");
  size_t n = 0;
  const float* dy = a.f32(0, 0, &n);
  const float* x = a.f32(1, (long)n);
  int C = a.i32(2);
  if (a.failed) return nullptr;
  if (C <= 0 || n % C != 0) {
    a.fail("x must hold a whole number of rows of C channels");
    return nullptr;
  }
  const float* gamma = a.is_null(3) ? nullptr : a.f32(3, C);
  float eps = (float)a.num(4);
  float* dx = a.f32(5, (long)n);
  float* dgamma = a.f32(6, C);
  float* dbeta = a.f32(7, C);
  if (a.failed) return nullptr;
  ms::bn_train_backward(dy, x, (long)(n / C), C, gamma, eps, dx, dgamma,
                        dbeta);
  return undef(env);
}

// Minibatch discrimination's sizes N, B, C from arguments i..i+2; false
// (with the error thrown) unless all are positive.
bool read_nbc(Args& a, size_t i, int* N, int* B, int* C) {
  *N = a.i32(i);
  *B = a.i32(i + 1);
  *C = a.i32(i + 2);
  if (a.failed) return false;
  if (*N <= 0 || *B <= 0 || *C <= 0) a.fail("N, B and C must be positive");
  return !a.failed;
}

// minibatch(m, N, B, C, o)
napi_value Minibatch(napi_env env, napi_callback_info info) {
  Args a(env, info, "minibatch");
  int N, B, C;
  if (!read_nbc(a, 1, &N, &B, &C)) return nullptr;
  const float* m = a.f32(0, (long)N * B * C);
  float* o = a.f32(4, (long)N * B);
  if (a.failed) return nullptr;
  ms::minibatch_forward(m, N, B, C, o);
  return undef(env);
}

// minibatchGrad(m, dy, N, B, C, dm)
napi_value MinibatchGrad(napi_env env, napi_callback_info info) {
  Args a(env, info, "minibatchGrad");
  int N, B, C;
  if (!read_nbc(a, 2, &N, &B, &C)) return nullptr;
  const float* m = a.f32(0, (long)N * B * C);
  const float* dy = a.f32(1, (long)N * B);
  float* dm = a.f32(5, (long)N * B * C);
  if (a.failed) return nullptr;
  ms::minibatch_backward(m, dy, N, B, C, dm);
  return undef(env);
}

napi_value SetNumThreads(napi_env env, napi_callback_info info) {
  Args a(env, info, "setNumThreads");
  int n = a.i32(0);
  if (a.failed) return nullptr;
  napi_value r;
  napi_create_int32(env, ms::set_num_threads(n), &r);
  return r;
}

napi_value NumThreads(napi_env env, napi_callback_info) {
  napi_value r;
  napi_create_int32(env, ms::num_threads(), &r);
  return r;
}

napi_value Simd(napi_env env, napi_callback_info) {
#if defined(__AVX512F__)
  const char* s = "avx512";
#elif defined(__AVX2__) && defined(__FMA__)
  const char* s = "avx2+fma";
#else
  const char* s = "portable";
#endif
  napi_value r;
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &r);
  return r;
}

// Kernel outputs are fresh typed arrays of 100 KB - 10 MB each, a few MB
// per training step. glibc serves blocks above its mmap threshold (128 KB
// at first) with a fresh mmap, so every step page-faults its outputs in
// again: measured at a quarter of a small GAN's step time in a VM. Keeping
// blocks up to 32 MB (glibc's maximum) in the heap, and not trimming it
// below 256 MB, makes freed outputs reusable. Affects this process's
// malloc only.
void keep_buffers_in_heap() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

napi_value Init(napi_env env, napi_value exports) {
  keep_buffers_in_heap();
  struct Fn {
    const char* name;
    napi_callback cb;
  };
  const Fn fns[] = {
      {"batchMatMul", BatchMatMul},
      {"gemmRef", GemmRef},
      {"binary", Binary},
      {"unary", Unary},
      {"actGrad", ActGrad},
      {"denseGradX", DenseGradX},
      {"denseGradW", DenseGradW},
      {"mlpForward", MlpForward},
      {"mlpBackward", MlpBackward},
      {"reduce", Reduce},
      {"conv2d", Conv2D},
      {"conv2dBackpropInput", Conv2DBackpropInput},
      {"conv2dBackpropFilter", Conv2DBackpropFilter},
      {"adam", Adam},
      {"adamAll", AdamAll},
      {"batchNorm", BatchNorm},
      {"bnTrain", BnTrain},
      {"bnTrainGrad", BnTrainGrad},
      {"minibatch", Minibatch},
      {"minibatchGrad", MinibatchGrad},
      {"setNumThreads", SetNumThreads},
      {"numThreads", NumThreads},
      {"simd", Simd},
  };
  for (const Fn& f : fns) {
    napi_value v;
    napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.cb, nullptr, &v);
    napi_set_named_property(env, exports, f.name, v);
  }
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
