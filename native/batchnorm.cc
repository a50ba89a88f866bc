// Training-mode batch normalisation over every axis but the last
// (Ioffe & Szegedy 2015, Algorithm 1; PyTorch's BatchNorm1d/2d in train
// mode, biased batch variance), forward and backward, for x [rows, C]
// where rows = N (dense) or N*H*W (NHWC conv maps).
//
// Backward, with xhat = (x - mean) * invstd and R = rows:
//   dbeta = sum dy;  dgamma = sum dy * xhat;
//   dx = gamma * invstd / R * (R dy - dbeta - xhat dgamma).
#include <cmath>
#include <vector>

#include "kernels.h"
#include "pool.h"

namespace ms {
namespace {

// Per-channel mean and 1/sqrt(var + eps), two passes in double: one
// channel's statistics can be large relative to its spread.
void stats(const float* x, long rows, int C, float eps, float* mean,
           float* invstd) {
  parallel_for(C, 16, (double)rows * 2, [&](long c0, long c1) {
    long w = c1 - c0;
    std::vector<double> s(w, 0.0), q(w, 0.0);
    for (long r = 0; r < rows; ++r) {
      const float* p = x + r * C + c0;
      for (long j = 0; j < w; ++j) s[j] += p[j];
    }
    for (long j = 0; j < w; ++j) s[j] /= (double)rows;
    for (long r = 0; r < rows; ++r) {
      const float* p = x + r * C + c0;
      for (long j = 0; j < w; ++j) {
        double d = p[j] - s[j];
        q[j] += d * d;
      }
    }
    for (long j = 0; j < w; ++j) {
      mean[c0 + j] = (float)s[j];
      invstd[c0 + j] = (float)(1.0 / std::sqrt(q[j] / (double)rows + eps));
    }
  });
}

}  // namespace

void bn_train_forward(const float* x, long rows, int C, const float* gamma,
                      const float* beta, float eps, float* y) {
  std::vector<float> mean(C), invstd(C), mul(C), add(C);
  stats(x, rows, C, eps, mean.data(), invstd.data());
  for (int c = 0; c < C; ++c) {
    mul[c] = invstd[c] * (gamma ? gamma[c] : 1.f);
    add[c] = (beta ? beta[c] : 0.f) - mean[c] * mul[c];
  }
  const float* m = mul.data();
  const float* a = add.data();
  parallel_for(rows, 1, (double)C, [&](long r0, long r1) {
    for (long r = r0; r < r1; ++r) {
      const float* xi = x + r * C;
      float* o = y + r * C;
      for (int c = 0; c < C; ++c) o[c] = xi[c] * m[c] + a[c];
    }
  });
}

void bn_train_backward(const float* dy, const float* x, long rows, int C,
                       const float* gamma, float eps, float* dx,
                       float* dgamma, float* dbeta) {
  std::vector<float> mean(C), invstd(C);
  stats(x, rows, C, eps, mean.data(), invstd.data());
  std::vector<double> sdy(C, 0.0), sdyx(C, 0.0);
  // Column sums split by channel ranges across threads.
  parallel_for(C, 16, (double)rows * 2, [&](long c0, long c1) {
    for (long r = 0; r < rows; ++r) {
      const float* g = dy + r * C;
      const float* xi = x + r * C;
      for (long c = c0; c < c1; ++c) {
        sdy[c] += g[c];
        sdyx[c] += (double)g[c] * ((xi[c] - mean[c]) * invstd[c]);
      }
    }
  });
  std::vector<float> k1(C), k2(C), k3(C);
  const float invR = 1.f / (float)rows;
  for (int c = 0; c < C; ++c) {
    if (dbeta) dbeta[c] = (float)sdy[c];
    if (dgamma) dgamma[c] = (float)sdyx[c];
    float s = (gamma ? gamma[c] : 1.f) * invstd[c];
    // dx = s dy - s/R dbeta - s/R xhat dgamma, xhat = (x - mean) invstd
    k1[c] = s;
    k2[c] = s * invR * (float)sdyx[c] * invstd[c];
    k3[c] = s * invR * (float)sdy[c] - k2[c] * mean[c];
  }
  const float* a = k1.data();
  const float* b = k2.data();
  const float* d = k3.data();
  parallel_for(rows, 1, (double)C, [&](long r0, long r1) {
    for (long r = r0; r < r1; ++r) {
      const float* g = dy + r * C;
      const float* xi = x + r * C;
      float* o = dx + r * C;
      for (int c = 0; c < C; ++c) o[c] = a[c] * g[c] - b[c] * xi[c] - d[c];
    }
  });
}

}  // namespace ms
