// modescope_linalg: the float64 kernels behind FID and PRDC, on BLAS/LAPACK.
//
// Each function has a plain-JS twin in src/linalg (the test oracle and the
// fallback when this addon is missing); the JS side validates arguments
// first, and every entry point checks them again here.
//
// Dimension legend: n, m samples; d features; k neighbours; T tile size.
#include <napi.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

extern "C" {
// The reference BLAS / LAPACK ABI, as exported by libblas.so.3 and
// liblapack.so.3 (OpenBLAS on Debian). Declared here so that only the
// runtime libraries are needed, not the -dev headers.
enum CblasOrder { CblasRowMajor = 101, CblasColMajor = 102 };
enum CblasTranspose { CblasNoTrans = 111, CblasTrans = 112 };
enum CblasUplo { CblasUpper = 121, CblasLower = 122 };
void cblas_dgemm(int order, int transA, int transB, int m, int n, int k,
                 double alpha, const double* a, int lda, const double* b,
                 int ldb, double beta, double* c, int ldc);
void cblas_dsyrk(int order, int uplo, int trans, int n, int k, double alpha,
                 const double* a, int lda, double beta, double* c, int ldc);
void dsyevd_(const char* jobz, const char* uplo, const int* n, double* a,
             const int* lda, double* w, double* work, const int* lwork,
             int* iwork, const int* liwork, int* info);
}

#ifndef MODESCOPE_NO_BLAS
namespace {

constexpr int kTile = 1024;

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

// Symmetric eigen-decomposition in place (column-major, lower triangle);
// `vectors` selects jobz 'V' (a then holds the eigenvectors) or 'N'.
void Syevd(Napi::Env env, double* a, int n, double* w, bool vectors) {
  const char jobz = vectors ? 'V' : 'N';
  const char uplo = 'L';
  int info = 0;
  int lwork = -1, liwork = -1, iwq = 0;
  double wq = 0;
  dsyevd_(&jobz, &uplo, &n, a, &n, w, &wq, &lwork, &iwq, &liwork, &info);
  lwork = static_cast<int>(wq);
  liwork = iwq;
  std::vector<double> work(std::max(1, lwork));
  std::vector<int> iwork(std::max(1, liwork));
  dsyevd_(&jobz, &uplo, &n, a, &n, w, work.data(), &lwork, iwork.data(),
          &liwork, &info);
  if (info != 0) Fail(env, "dsyevd failed with info " + std::to_string(info));
}

// meanCov(x: Float32Array [n, d], n, d) -> [mu [d], sigma [d, d]] float64,
// sigma with the N-1 denominator.
Napi::Value MeanCov(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int n = IntArg(info, 1, "n");
  int d = IntArg(info, 2, "d");
  if (n < 2 || d < 1) Fail(env, "meanCov needs n >= 2 and d >= 1");
  auto x = TypedArg<Napi::Float32Array>(info, 0, "x", size_t(n) * d);
  auto mu = Napi::Float64Array::New(env, d);
  auto sigma = Napi::Float64Array::New(env, size_t(d) * d);
  std::vector<double> c(size_t(n) * d);
  const float* xs = x.Data();
  double* m = mu.Data();
  for (int j = 0; j < d; ++j) m[j] = 0;
  for (size_t i = 0; i < size_t(n); ++i)
    for (int j = 0; j < d; ++j) m[j] += xs[i * d + j];
  for (int j = 0; j < d; ++j) m[j] /= n;
  for (size_t i = 0; i < size_t(n); ++i)
    for (int j = 0; j < d; ++j) c[i * d + j] = xs[i * d + j] - m[j];
  double* s = sigma.Data();
  // Row-major C = Xc^T Xc: the upper triangle, mirrored below.
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, d, n, 1.0 / (n - 1),
              c.data(), d, 0.0, s, d);
  for (int a = 0; a < d; ++a)
    for (int b = a + 1; b < d; ++b) s[size_t(b) * d + a] = s[size_t(a) * d + b];
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
  // Column-major and row-major agree for a symmetric matrix.
  std::vector<double> work(a.Data(), a.Data() + size_t(d) * d);
  if (d > 0) Syevd(env, work.data(), d, values.Data(), vectors);
  auto out = Napi::Array::New(env, 2);
  out.Set(0u, values);
  if (vectors) {
    auto v = Napi::Float64Array::New(env, size_t(d) * d);
    // LAPACK leaves vector j in column j (column-major); transpose to
    // row-major so that v[i * d + j] is component i of vector j.
    for (int i = 0; i < d; ++i)
      for (int j = 0; j < d; ++j)
        v.Data()[size_t(i) * d + j] = work[size_t(j) * d + i];
    out.Set(1u, v);
  } else {
    out.Set(1u, env.Null());
  }
  return out;
}

// fidProductEigenvalues(s1, s2: Float64Array [d, d], d) -> [d] ascending
// eigenvalues of L^1/2 V^T S2 V L^1/2 with S1 = V L V^T (see dense.ts).
Napi::Value FidProductEigenvalues(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int d = IntArg(info, 2, "d");
  auto s1 = TypedArg<Napi::Float64Array>(info, 0, "s1", size_t(d) * d);
  auto s2 = TypedArg<Napi::Float64Array>(info, 1, "s2", size_t(d) * d);
  auto out = Napi::Float64Array::New(env, d);
  if (d == 0) return out;
  std::vector<double> v(s1.Data(), s1.Data() + size_t(d) * d);
  std::vector<double> l(d);
  Syevd(env, v.data(), d, l.data(), true);
  // v is column-major V, i.e. row-major V^T: t = S2 V, w = V^T t.
  std::vector<double> t(size_t(d) * d), w(size_t(d) * d);
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, d, d, d, 1.0,
              s2.Data(), d, v.data(), d, 0.0, t.data(), d);
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, d, d, d, 1.0,
              v.data(), d, t.data(), d, 0.0, w.data(), d);
  std::vector<double> r(d);
  for (int i = 0; i < d; ++i) r[i] = std::sqrt(std::max(l[i], 0.0));
  for (int j = 0; j < d; ++j)
    for (int i = 0; i < d; ++i) w[size_t(j) * d + i] *= r[i] * r[j];
  Syevd(env, w.data(), d, out.Data(), false);
  return out;
}

// The reference's float32 distance from a float64 dot product and norms.
inline float Dist(double dot, double xi, double yj) {
  float d2 = static_cast<float>(-2.0 * dot + xi + yj);
  return std::sqrt(d2 > 0.0f ? d2 : 0.0f);
}

std::vector<double> Upcast(const float* x, size_t len) {
  return std::vector<double>(x, x + len);
}

std::vector<double> Norms(const std::vector<double>& x, int n, int d) {
  std::vector<double> out(n);
  for (int i = 0; i < n; ++i) {
    double s = 0;
    for (int p = 0; p < d; ++p) s += x[size_t(i) * d + p] * x[size_t(i) * d + p];
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
  std::vector<double> x = Upcast(xa.Data(), size_t(n) * d);
  std::vector<double> xx = Norms(x, n, d);
  std::vector<float> top(size_t(n) * K, std::numeric_limits<float>::infinity());
  std::vector<double> g(size_t(kTile) * kTile);
  for (int i0 = 0; i0 < n; i0 += kTile) {
    int bi = std::min(kTile, n - i0);
    for (int j0 = i0; j0 < n; j0 += kTile) {
      int bj = std::min(kTile, n - j0);
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, bi, bj, d, 1.0,
                  &x[size_t(i0) * d], d, &x[size_t(j0) * d], d, 0.0, g.data(),
                  bj);
      for (int a = 0; a < bi; ++a) {
        int gi = i0 + a;
        float* ti = &top[size_t(gi) * K];
        for (int b = 0; b < bj; ++b) {
          int gj = j0 + b;
          float v = gi == gj ? 0.0f : Dist(g[size_t(a) * bj + b], xx[gi], xx[gj]);
          Insert(ti, K, v);
          if (j0 != i0) Insert(&top[size_t(gj) * K], K, v);
        }
      }
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
  std::vector<double> x = Upcast(ra.Data(), size_t(n) * d);
  std::vector<double> y = Upcast(fa.Data(), size_t(m) * d);
  std::vector<double> xx = Norms(x, n, d), yy = Norms(y, m, d);
  auto density = Napi::Int32Array::New(env, m);
  auto recall = Napi::Uint8Array::New(env, n);
  auto coverage = Napi::Uint8Array::New(env, n);
  std::fill(density.Data(), density.Data() + m, 0);
  std::fill(recall.Data(), recall.Data() + n, 0);
  std::fill(coverage.Data(), coverage.Data() + n, 0);
  const float* rrad = rr.Data();
  const float* frad = fr.Data();
  std::vector<double> g(size_t(kTile) * kTile);
  for (int i0 = 0; i0 < n; i0 += kTile) {
    int bi = std::min(kTile, n - i0);
    for (int j0 = 0; j0 < m; j0 += kTile) {
      int bj = std::min(kTile, m - j0);
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, bi, bj, d, 1.0,
                  &x[size_t(i0) * d], d, &y[size_t(j0) * d], d, 0.0, g.data(),
                  bj);
      for (int a = 0; a < bi; ++a) {
        int gi = i0 + a;
        float ri = rrad[gi];
        bool cov = false, rec = false;
        for (int b = 0; b < bj; ++b) {
          int gj = j0 + b;
          float v = Dist(g[size_t(a) * bj + b], xx[gi], yy[gj]);
          if (v < ri) {
            density.Data()[gj]++;
            cov = true;
          }
          if (v < frad[gj]) rec = true;
        }
        if (cov) coverage.Data()[gi] = 1;
        if (rec) recall.Data()[gi] = 1;
      }
    }
  }
  auto out = Napi::Array::New(env, 3);
  out.Set(0u, density);
  out.Set(1u, recall);
  out.Set(2u, coverage);
  return out;
}

}  // namespace
#endif  // MODESCOPE_NO_BLAS

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
#ifdef MODESCOPE_NO_BLAS
  // Built without BLAS / LAPACK: export nothing, so the JS kernels run.
  return exports;
#else
  exports.Set("meanCov", Napi::Function::New(env, MeanCov));
  exports.Set("eigh", Napi::Function::New(env, Eigh));
  exports.Set("fidProductEigenvalues",
              Napi::Function::New(env, FidProductEigenvalues));
  exports.Set("knnRadii", Napi::Function::New(env, KnnRadii));
  exports.Set("prdcCounts", Napi::Function::New(env, PrdcCounts));
  return exports;
#endif
}

}  // namespace

NODE_API_MODULE(modescope_linalg, Init)
