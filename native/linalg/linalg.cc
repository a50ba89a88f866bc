// modescope_linalg: the float64 kernels behind FID and PRDC, on our own
// GEMM / Cholesky / eigen solver (kernels.h); no system libraries.
//
// Each function has a plain-JS twin in src/linalg (the test oracle and the
// fallback when this addon is missing); the JS side validates arguments
// first, and every entry point checks them again here.
//
// Dimension legend: n, m samples; d features; k neighbours; T tile size.
#include <napi.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "kernels.h"

namespace {

constexpr int kTile = 1024;      // distance tile: T x T float64 = 8 MiB
constexpr int kCovChunk = 1024;  // rows per centred covariance chunk

void Fail(Napi::Env env, const std::string& msg) {
  throw Napi::RangeError::New(env, "modescope_linalg: " + msg);
}

int IntArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), std::string("modescope_linalg: ") +
                                               name + " must be a number");
  }
  double v = info[i].As<Napi::Number>().DoubleValue();
  if (!(v >= 0 && v <= 2147483647.0 && v == std::floor(v))) {
    Fail(info.Env(), std::string(name) + " must be a non-negative int");
  }
  return static_cast<int>(v);
}

template <typename T>
T TypedArg(const Napi::CallbackInfo& info, size_t i, const char* name,
           size_t len) {
  if (!info[i].IsTypedArray()) {
    throw Napi::TypeError::New(info.Env(), std::string("modescope_linalg: ") +
                                               name + " must be a typed array");
  }
  auto ta = info[i].As<Napi::TypedArray>();
  using Elem = typename std::remove_reference<decltype(
      std::declval<T>()[0])>::type;
  bool ok = (std::is_same<Elem, float>::value &&
             ta.TypedArrayType() == napi_float32_array) ||
            (std::is_same<Elem, double>::value &&
             ta.TypedArrayType() == napi_float64_array);
  if (!ok) {
    throw Napi::TypeError::New(info.Env(), std::string("modescope_linalg: ") +
                                               name + " has the wrong dtype");
  }
  T arr = info[i].As<T>();
  if (arr.ElementLength() != len) {
    Fail(info.Env(), std::string(name) + " must have " + std::to_string(len) +
                         " values, but got " +
                         std::to_string(arr.ElementLength()));
  }
  return arr;
}

// meanCov(x: Float32Array [n, d], n, d) -> [mu [d], sigma [d, d]] float64,
// sigma with the N-1 denominator. The centred rows go through SYRK in
// chunks, so no float64 copy of the whole set is made.
Napi::Value MeanCov(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int n = IntArg(info, 1, "n");
  int d = IntArg(info, 2, "d");
  if (n < 2 || d < 1) Fail(env, "meanCov needs n >= 2 and d >= 1");
  auto x = TypedArg<Napi::Float32Array>(info, 0, "x", size_t(n) * d);
  auto mu = Napi::Float64Array::New(env, d);
  auto sigma = Napi::Float64Array::New(env, size_t(d) * d);
  const float* xs = x.Data();
  double* m = mu.Data();
  std::fill(m, m + d, 0.0);
  for (size_t i = 0; i < size_t(n); ++i) {
    for (int j = 0; j < d; ++j) m[j] += xs[i * d + j];
  }
  for (int j = 0; j < d; ++j) m[j] /= n;
  double* s = sigma.Data();
  const int chunk = std::min(n, kCovChunk);
  // pt = the chunk's centred rows, transposed to [d, rows]: SYRK reduces
  // along rows of its operand.
  std::vector<double> pt(size_t(d) * chunk);
  for (int r0 = 0; r0 < n; r0 += chunk) {
    const int rb = std::min(chunk, n - r0);
    for (int r = 0; r < rb; ++r) {
      const float* row = xs + size_t(r0 + r) * d;
      for (int j = 0; j < d; ++j) pt[size_t(j) * rb + r] = row[j] - m[j];
    }
    linalg::SyrkUpperNT(d, rb, 1.0 / (n - 1), pt.data(), rb,
                        r0 == 0 ? 0.0 : 1.0, s, d);
  }
  linalg::MirrorUpper(s, d);
  auto out = Napi::Array::New(env, 2);
  out.Set(0u, mu);
  out.Set(1u, sigma);
  return out;
}

// eigh(a: Float64Array [d, d] symmetric, d, vectors: boolean)
//   -> [values [d] ascending, vectors [d, d] row-major (column j is the
//   vector of values[j]) or null]
Napi::Value Eigh(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int d = IntArg(info, 1, "d");
  auto a = TypedArg<Napi::Float64Array>(info, 0, "a", size_t(d) * d);
  bool vectors = info[2].ToBoolean().Value();
  auto values = Napi::Float64Array::New(env, d);
  std::vector<double> work(a.Data(), a.Data() + size_t(d) * d);
  auto out = Napi::Array::New(env, 2);
  if (vectors) {
    auto v = Napi::Float64Array::New(env, size_t(d) * d);
    if (!linalg::SymmetricEigen(work.data(), d, values.Data(), v.Data())) {
      Fail(env, "eigh: QL iteration did not converge");
    }
    out.Set(1u, v);
  } else {
    if (!linalg::SymmetricEigen(work.data(), d, values.Data(), nullptr)) {
      Fail(env, "eigh: QL iteration did not converge");
    }
    out.Set(1u, env.Null());
  }
  out.Set(0u, values);
  return out;
}

// The Cholesky pivot threshold: a pivot at or below d * eps * max(diag)
// is roundoff of a singular matrix, not evidence of definiteness.
double PivotTolerance(const double* s, int d) {
  double mx = 0.0;
  for (int i = 0; i < d; ++i) mx = std::max(mx, s[size_t(i) * d + i]);
  return d * DBL_EPSILON * mx;
}

// Eigenvalues of L^T sb L with sa = L L^T, or false if sa is not
// positive definite.
bool CholeskyRoute(const double* sa, const double* sb, int d, double* out) {
  std::vector<double> l(sa, sa + size_t(d) * d);
  if (!linalg::Cholesky(l.data(), d, PivotTolerance(sa, d))) return false;
  std::vector<double> m(size_t(d) * d);
  linalg::CongruenceLowerT(l.data(), sb, m.data(), d);
  return linalg::SymmetricEigen(m.data(), d, out, nullptr);
}

// fidProductEigenvalues(s1, s2: Float64Array [d, d], d, route: 'auto' |
// 'cholesky' | 'eigh') -> [values [d] ascending, route used]: the
// eigenvalues of S1 S2 (see src/linalg/dense.ts for the two routes).
Napi::Value FidProductEigenvalues(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int d = IntArg(info, 2, "d");
  auto s1 = TypedArg<Napi::Float64Array>(info, 0, "s1", size_t(d) * d);
  auto s2 = TypedArg<Napi::Float64Array>(info, 1, "s2", size_t(d) * d);
  std::string route =
      info[3].IsString() ? info[3].As<Napi::String>().Utf8Value() : "auto";
  if (route != "auto" && route != "cholesky" && route != "eigh") {
    Fail(env, "route must be auto, cholesky or eigh, but got " + route);
  }
  auto values = Napi::Float64Array::New(env, d);
  auto out = Napi::Array::New(env, 2);
  out.Set(0u, values);
  if (d == 0) {
    out.Set(1u, Napi::String::New(env, "cholesky"));
    return out;
  }
  if (route != "eigh") {
    // Tr sqrt(S1 S2) is symmetric in S1 and S2, so either may be factored.
    if (CholeskyRoute(s1.Data(), s2.Data(), d, values.Data()) ||
        CholeskyRoute(s2.Data(), s1.Data(), d, values.Data())) {
      out.Set(1u, Napi::String::New(env, "cholesky"));
      return out;
    }
    if (route == "cholesky") {
      Fail(env, "fid: neither covariance is positive definite");
    }
  }
  // The eigen route: S1 = V L V^T, eigenvalues of L^1/2 V^T S2 V L^1/2.
  std::vector<double> work(s1.Data(), s1.Data() + size_t(d) * d);
  std::vector<double> l(d), v(size_t(d) * d);
  if (!linalg::SymmetricEigen(work.data(), d, l.data(), v.data())) {
    Fail(env, "fid: QL iteration did not converge");
  }
  // vt = V^T (rows are eigenvectors); t = V^T S2, w = t V = t vt^T.
  std::vector<double> vt(size_t(d) * d), t(size_t(d) * d), w(size_t(d) * d);
  for (int i = 0; i < d; ++i) {
    for (int j = 0; j < d; ++j) vt[size_t(j) * d + i] = v[size_t(i) * d + j];
  }
  linalg::GemmNTParallel(d, d, d, 1.0, vt.data(), d, s2.Data(), d, 0.0,
                         t.data(), d);
  linalg::GemmNTParallel(d, d, d, 1.0, t.data(), d, vt.data(), d, 0.0,
                         w.data(), d);
  std::vector<double> r(d);
  for (int i = 0; i < d; ++i) r[i] = std::sqrt(std::max(l[i], 0.0));
  for (int i = 0; i < d; ++i) {
    for (int j = 0; j < d; ++j) w[size_t(i) * d + j] *= r[i] * r[j];
  }
  if (!linalg::SymmetricEigen(w.data(), d, values.Data(), nullptr)) {
    Fail(env, "fid: QL iteration did not converge");
  }
  out.Set(1u, Napi::String::New(env, "eigh"));
  return out;
}

// cholesky(a: Float64Array [d, d], d) -> L [d, d] lower (zeros above) or
// null when a is not positive definite; for tests.
Napi::Value CholeskyFn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int d = IntArg(info, 1, "d");
  auto a = TypedArg<Napi::Float64Array>(info, 0, "a", size_t(d) * d);
  auto l = Napi::Float64Array::New(env, size_t(d) * d);
  std::copy(a.Data(), a.Data() + size_t(d) * d, l.Data());
  if (!linalg::Cholesky(l.Data(), d, PivotTolerance(a.Data(), d))) {
    return env.Null();
  }
  for (int i = 0; i < d; ++i) {
    for (int j = i + 1; j < d; ++j) l.Data()[size_t(i) * d + j] = 0.0;
  }
  return l;
}

// gemmNT(a [m, k], b [n, k], m, n, k) -> a b^T [m, n], float64; for tests.
Napi::Value GemmFn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int m = IntArg(info, 2, "m");
  int n = IntArg(info, 3, "n");
  int k = IntArg(info, 4, "k");
  auto a = TypedArg<Napi::Float64Array>(info, 0, "a", size_t(m) * k);
  auto b = TypedArg<Napi::Float64Array>(info, 1, "b", size_t(n) * k);
  auto c = Napi::Float64Array::New(env, size_t(m) * n);
  linalg::GemmNTParallel(m, n, k, 1.0, a.Data(), k, b.Data(), k, 0.0,
                         c.Data(), n);
  return c;
}

// The reference's float32 distance from a float64 dot product and norms.
inline float Dist(double dot, double xi, double yj) {
  float d2 = static_cast<float>(-2.0 * dot + xi + yj);
  return std::sqrt(d2 > 0.0f ? d2 : 0.0f);
}

std::vector<double> Norms(const float* x, int n, int d) {
  std::vector<double> out(n);
  for (int i = 0; i < n; ++i) {
    double s = 0;
    for (int p = 0; p < d; ++p) {
      const double v = x[size_t(i) * d + p];
      s += v * v;
    }
    out[i] = s;
  }
  return out;
}

// Keeps the K smallest values of a row, sorted ascending, in `top`.
inline void Insert(float* top, int K, float v) {
  if (!(v < top[K - 1])) return;
  int p = K - 1;
  while (p > 0 && top[p - 1] > v) {
    top[p] = top[p - 1];
    --p;
  }
  top[p] = v;
}

// dist[a, b] = Dist of tile rows x[i0 + a], y[j0 + b] (0 on the diagonal
// of a set against itself), from one parallel GEMM. A diagonal tile of a
// set against itself (x == y, i0 == j0) is symmetric: only its upper
// triangle is multiplied, by block rows, and then mirrored.
void DistanceTile(const float* x, int i0, int bi, const float* y, int j0,
                  int bj, int d, const std::vector<double>& xx,
                  const std::vector<double>& yy, bool self,
                  std::vector<double>& g, std::vector<float>& dist) {
  const bool symmetric = self && i0 == j0 && bi == bj;
  constexpr int kRows = 64;
  const int tasks = (bi + kRows - 1) / kRows;
  if (symmetric) {
    linalg::ParallelTasks(tasks, [&](int t) {
      const int r0 = t * kRows;
      linalg::GemmNT(std::min(kRows, bi - r0), bj - r0, d, 1.0,
                     x + size_t(i0 + r0) * d, d, y + size_t(j0 + r0) * d, d,
                     0.0, g.data() + size_t(r0) * bj + r0, bj);
    });
  } else {
    linalg::GemmNTParallel(bi, bj, d, 1.0, x + size_t(i0) * d, d,
                           y + size_t(j0) * d, d, 0.0, g.data(), bj);
  }
  linalg::ParallelTasks(tasks, [&](int t) {
    const int a1 = std::min(bi, (t + 1) * kRows);
    for (int a = t * kRows; a < a1; ++a) {
      const int gi = i0 + a;
      for (int b = symmetric ? a : 0; b < bj; ++b) {
        const int gj = j0 + b;
        dist[size_t(a) * bj + b] =
            self && gi == gj ? 0.0f
                             : Dist(g[size_t(a) * bj + b], xx[gi], yy[gj]);
      }
    }
  });
  if (symmetric) {
    for (int a = 1; a < bi; ++a) {
      for (int b = 0; b < a; ++b) {
        dist[size_t(a) * bj + b] = dist[size_t(b) * bj + a];
      }
    }
  }
}

// knnRadii(x: Float32Array [n, d], n, d, k) -> Float32Array [n]: the
// (k+1)-th smallest distance of each row including itself. Tiles above
// the diagonal feed both their rows and their columns, so each distance
// is computed once.
Napi::Value KnnRadii(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int n = IntArg(info, 1, "n");
  int d = IntArg(info, 2, "d");
  int k = IntArg(info, 3, "k");
  if (k < 1 || k >= n) Fail(env, "knnRadii needs 1 <= k < n");
  auto xa = TypedArg<Napi::Float32Array>(info, 0, "x", size_t(n) * d);
  const int K = k + 1;
  const float* x = xa.Data();
  std::vector<double> xx = Norms(x, n, d);
  std::vector<float> top(size_t(n) * K, std::numeric_limits<float>::infinity());
  std::vector<double> g(size_t(kTile) * kTile);
  std::vector<float> dist(size_t(kTile) * kTile);
  constexpr int kSlice = 128;
  for (int i0 = 0; i0 < n; i0 += kTile) {
    const int bi = std::min(kTile, n - i0);
    for (int j0 = i0; j0 < n; j0 += kTile) {
      const int bj = std::min(kTile, n - j0);
      DistanceTile(x, i0, bi, x, j0, bj, d, xx, xx, true, g, dist);
      // Row tasks update the tops of block i0, column tasks those of
      // block j0: disjoint when j0 != i0, and a diagonal tile has no
      // column tasks.
      const int rowTasks = (bi + kSlice - 1) / kSlice;
      const int colTasks = j0 == i0 ? 0 : (bj + kSlice - 1) / kSlice;
      linalg::ParallelTasks(rowTasks + colTasks, [&](int t) {
        if (t < rowTasks) {
          const int a1 = std::min(bi, (t + 1) * kSlice);
          for (int a = t * kSlice; a < a1; ++a) {
            float* ti = &top[size_t(i0 + a) * K];
            const float* row = &dist[size_t(a) * bj];
            for (int b = 0; b < bj; ++b) Insert(ti, K, row[b]);
          }
        } else {
          const int b0 = (t - rowTasks) * kSlice;
          const int b1 = std::min(bj, b0 + kSlice);
          for (int a = 0; a < bi; ++a) {
            const float* row = &dist[size_t(a) * bj];
            for (int b = b0; b < b1; ++b) {
              Insert(&top[size_t(j0 + b) * K], K, row[b]);
            }
          }
        }
      });
    }
  }
  auto out = Napi::Float32Array::New(env, n);
  for (int i = 0; i < n; ++i) out.Data()[i] = top[size_t(i) * K + K - 1];
  return out;
}

// prdcCounts(real [n, d], n, fake [m, d], m, d, realRadii [n], fakeRadii
// [m]) -> [densityCounts Int32 [m], recallHits Uint8 [n], coverageHits
// Uint8 [n]]; see neighbours.ts.
Napi::Value PrdcCounts(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int n = IntArg(info, 1, "n");
  int m = IntArg(info, 3, "m");
  int d = IntArg(info, 4, "d");
  auto ra = TypedArg<Napi::Float32Array>(info, 0, "real", size_t(n) * d);
  auto fa = TypedArg<Napi::Float32Array>(info, 2, "fake", size_t(m) * d);
  auto rr = TypedArg<Napi::Float32Array>(info, 5, "realRadii", n);
  auto fr = TypedArg<Napi::Float32Array>(info, 6, "fakeRadii", m);
  const float* x = ra.Data();
  const float* y = fa.Data();
  std::vector<double> xx = Norms(x, n, d), yy = Norms(y, m, d);
  auto density = Napi::Int32Array::New(env, m);
  auto recall = Napi::Uint8Array::New(env, n);
  auto coverage = Napi::Uint8Array::New(env, n);
  int32_t* dens = density.Data();
  uint8_t* rec = recall.Data();
  uint8_t* cov = coverage.Data();
  std::fill(dens, dens + m, 0);
  std::fill(rec, rec + n, 0);
  std::fill(cov, cov + n, 0);
  const float* rrad = rr.Data();
  const float* frad = fr.Data();
  std::vector<double> g(size_t(kTile) * kTile);
  std::vector<float> dist(size_t(kTile) * kTile);
  constexpr int kSlice = 128;
  for (int i0 = 0; i0 < n; i0 += kTile) {
    const int bi = std::min(kTile, n - i0);
    for (int j0 = 0; j0 < m; j0 += kTile) {
      const int bj = std::min(kTile, m - j0);
      DistanceTile(x, i0, bi, y, j0, bj, d, xx, yy, false, g, dist);
      // Row tasks own recall / coverage of their real rows, column tasks
      // the density counts of their fake columns.
      const int rowTasks = (bi + kSlice - 1) / kSlice;
      const int colTasks = (bj + kSlice - 1) / kSlice;
      linalg::ParallelTasks(rowTasks + colTasks, [&](int t) {
        if (t < rowTasks) {
          const int a1 = std::min(bi, (t + 1) * kSlice);
          for (int a = t * kSlice; a < a1; ++a) {
            const int gi = i0 + a;
            const float ri = rrad[gi];
            const float* row = &dist[size_t(a) * bj];
            bool c = false, r = false;
            for (int b = 0; b < bj; ++b) {
              c |= row[b] < ri;
              r |= row[b] < frad[j0 + b];
            }
            if (c) cov[gi] = 1;
            if (r) rec[gi] = 1;
          }
        } else {
          const int b0 = (t - rowTasks) * kSlice;
          const int b1 = std::min(bj, b0 + kSlice);
          for (int a = 0; a < bi; ++a) {
            const float ri = rrad[i0 + a];
            const float* row = &dist[size_t(a) * bj];
            for (int b = b0; b < b1; ++b) dens[j0 + b] += row[b] < ri;
          }
        }
      });
    }
  }
  auto out = Napi::Array::New(env, 3);
  out.Set(0u, density);
  out.Set(1u, recall);
  out.Set(2u, coverage);
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("meanCov", Napi::Function::New(env, MeanCov));
  exports.Set("eigh", Napi::Function::New(env, Eigh));
  exports.Set("fidProductEigenvalues",
              Napi::Function::New(env, FidProductEigenvalues));
  exports.Set("cholesky", Napi::Function::New(env, CholeskyFn));
  exports.Set("gemmNT", Napi::Function::New(env, GemmFn));
  exports.Set("knnRadii", Napi::Function::New(env, KnnRadii));
  exports.Set("prdcCounts", Napi::Function::New(env, PrdcCounts));
  exports.Set("threads", Napi::Number::New(env, linalg::NumThreads()));
  return exports;
}

}  // namespace

NODE_API_MODULE(modescope_linalg, Init)
