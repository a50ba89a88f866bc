// Minibatch discrimination's pairwise kernel sum (Salimans et al. 2016,
// section 3.2) for m [N, B, C]:
//   o[i, b] = sum over j of exp(-sum over c of |m[i,b,c] - m[j,b,c]|)
// (j = i included: exp(0) = 1), and its gradient
//   dm[k,b,c] = -sum over j of (dy[k,b] + dy[j,b]) e[k,j,b]
//               * sign(m[k,b,c] - m[j,b,c]),  sign(0) = 0,
// which follows from o depending on m[k] through e[k,j] in row k and
// through e[i,k] in every other row i.
//
// Each pair (i, j), i < j, is visited once (e is symmetric): for each i,
// the loops over j > i run over kernel b's rows stored column-wise
// ([C, N]), so that they vectorise, with exp by a polynomial (exp_neg)
// that vectorises too. Work is split over the B kernels, each summed by
// one thread in a fixed order, so the result does not depend on the
// thread count. The composite of standard ops builds the [N, N, B, C]
// difference tensor instead (50 MB of intermediates for N = 256, B = 100,
// C = 5); this needs none.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "kernels.h"
#include "pool.h"

namespace ms {
namespace {

// Kernel b's rows column-wise: cols[c * N + i] = m[i, b, c].
void gather(const float* m, int N, int B, int C, int b, float* cols) {
  for (int i = 0; i < N; ++i) {
    const float* src = m + ((long)i * B + b) * C;
    for (int c = 0; c < C; ++c) cols[(long)c * N + i] = src[c];
  }
}

// exp(x) for x <= 0 to about 2 ulp (Cody-Waite reduction by ln 2 and
// Cephes' degree-6 polynomial for expf); 0 below -87 (exp(-87) ~ 1.6e-38).
// Branch-free, so that loops over it vectorise.
inline float exp_neg(float x) {
  float xc = x < -87.f ? -87.f : x;
  float k = std::floor(xc * 1.44269504088896341f + 0.5f);
  float r = xc - k * 0.693359375f;
  r = r - k * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  float y = p * r * r + r + 1.f;
  int32_t bits = ((int32_t)k + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return x < -87.f ? 0.f : y * scale;
}

// Sum of v[0..n) in a fixed order: 8 interleaved partial sums, then
// those in order (vectorises; the same bits on every run).
inline float sum8(const float* v, int n) {
  float part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int j = 0;
  for (; j + 8 <= n; j += 8) {
    for (int l = 0; l < 8; ++l) part[l] += v[j + l];
  }
  for (int l = 0; j < n; ++j, ++l) part[l] += v[j];
  float s = 0.f;
  for (int l = 0; l < 8; ++l) s += part[l];
  return s;
}

// e[j] = exp(-sum_c |cols[c, j] - cols[c, i]|) for i < j < N, stored at
// e[j - i - 1].
inline void pair_kernels(const float* cols, int N, int C, int i, float* e) {
  int n = N - i - 1;
  for (int t = 0; t < n; ++t) e[t] = 0.f;
  for (int c = 0; c < C; ++c) {
    const float* col = cols + (long)c * N + i + 1;
    float xi = cols[(long)c * N + i];
    for (int t = 0; t < n; ++t) e[t] += std::fabs(col[t] - xi);
  }
  for (int t = 0; t < n; ++t) e[t] = exp_neg(-e[t]);
}

}  // namespace

void minibatch_forward(const float* m, int N, int B, int C, float* o) {
  double cost = (double)N * N * (C + 4) / 8;
  parallel_for(B, 1, cost, [&](long b0, long b1) {
    std::vector<float> cols((size_t)N * C);
    std::vector<float> acc(N);
    std::vector<float> e(N);
    for (long b = b0; b < b1; ++b) {
      gather(m, N, B, C, (int)b, cols.data());
      for (int i = 0; i < N; ++i) acc[i] = 1.f;  // the j = i term
      for (int i = 0; i < N; ++i) {
        int n = N - i - 1;
        pair_kernels(cols.data(), N, C, i, e.data());
        float* aj = acc.data() + i + 1;
        for (int t = 0; t < n; ++t) aj[t] += e[t];
        acc[i] += sum8(e.data(), n);
      }
      for (int i = 0; i < N; ++i) o[(long)i * B + b] = acc[i];
    }
  });
}

void minibatch_backward(const float* m, const float* dy, int N, int B, int C,
                        float* dm) {
  double cost = (double)N * N * (3 * C + 6) / 8;
  parallel_for(B, 1, cost, [&](long b0, long b1) {
    std::vector<float> cols((size_t)N * C);
    std::vector<float> g((size_t)N * C);  // column-wise like cols
    std::vector<float> dyb(N);
    std::vector<float> w(N);
    std::vector<float> s(N);
    for (long b = b0; b < b1; ++b) {
      gather(m, N, B, C, (int)b, cols.data());
      for (int i = 0; i < N; ++i) dyb[i] = dy[(long)i * B + b];
      std::fill(g.begin(), g.end(), 0.f);
      for (int i = 0; i < N; ++i) {
        int n = N - i - 1;
        pair_kernels(cols.data(), N, C, i, w.data());
        const float* dj = dyb.data() + i + 1;
        for (int t = 0; t < n; ++t) w[t] *= dyb[i] + dj[t];
        for (int c = 0; c < C; ++c) {
          const float* col = cols.data() + (long)c * N + i + 1;
          float xi = cols[(long)c * N + i];
          float* gj = g.data() + (long)c * N + i + 1;
          // s = w sign(x_i - x_j), 0 at a tie: pushes x_i by -s, x_j by +s.
          for (int t = 0; t < n; ++t) {
            float d = xi - col[t];
            s[t] = (d > 0.f ? w[t] : 0.f) - (d < 0.f ? w[t] : 0.f);
            gj[t] += s[t];
          }
          g[(long)c * N + i] -= sum8(s.data(), n);
        }
      }
      for (int i = 0; i < N; ++i) {
        float* dst = dm + ((long)i * B + b) * C;
        for (int c = 0; c < C; ++c) dst[c] = g[(long)c * N + i];
      }
    }
  });
}

}  // namespace ms
