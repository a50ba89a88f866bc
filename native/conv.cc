// 2-D convolution in NHWC through im2col + GEMM, and its two backprops.
//
// Dimension legend: x [N, inH, inW, inC]; w [kh, kw, inC, outC];
// y [N, outH, outW, outC]. The patch matrix `cols` has one row per output
// pixel (N*outH*outW rows) and kh*kw*inC columns in w's memory order, so
// y = cols x w[K, outC], dw = cols^T x dy and dcols = dy x w^T, which
// col2im scatters back into dx. Transposed convolution (tf.conv2dTranspose)
// is conv2d_backprop_input. Images are processed in chunks so the patch
// matrix stays under kMaxCols floats.
#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels.h"
#include "pool.h"

namespace ms {
namespace {

constexpr long kMaxCols = 1L << 23;  // 32 MB of patches at most

long patch_len(const ConvGeom& g) { return (long)g.kh * g.kw * g.inC; }

int images_per_chunk(const ConvGeom& g) {
  long per = (long)g.outH * g.outW * patch_len(g);
  long n = kMaxCols / std::max(1L, per);
  return (int)std::max(1L, std::min<long>(g.batch, n));
}

// Fills cols rows for images [n0, n1).
void im2col(const ConvGeom& g, const float* x, int n0, int n1, float* cols) {
  const long K = patch_len(g);
  const long rows = (long)(n1 - n0) * g.outH * g.outW;
  parallel_for(rows, 16, (double)K, [&](long r0, long r1) {
    for (long r = r0; r < r1; ++r) {
      int ow = (int)(r % g.outW);
      int oh = (int)((r / g.outW) % g.outH);
      int n = n0 + (int)(r / ((long)g.outW * g.outH));
      float* dst = cols + r * K;
      const float* img = x + (long)n * g.inH * g.inW * g.inC;
      for (int ki = 0; ki < g.kh; ++ki) {
        int ih = oh * g.strideH - g.padTop + ki * g.dilH;
        for (int kj = 0; kj < g.kw; ++kj) {
          int iw = ow * g.strideW - g.padLeft + kj * g.dilW;
          float* d = dst + ((long)ki * g.kw + kj) * g.inC;
          if (ih < 0 || ih >= g.inH || iw < 0 || iw >= g.inW) {
            std::memset(d, 0, sizeof(float) * g.inC);
          } else {
            std::memcpy(d, img + ((long)ih * g.inW + iw) * g.inC,
                        sizeof(float) * g.inC);
          }
        }
      }
    }
  });
}

// dx[n0:n1] += scatter of dcols; threads own whole images, so no races.
void col2im(const ConvGeom& g, const float* cols, int n0, int n1, float* dx) {
  const long K = patch_len(g);
  const long pix = (long)g.outH * g.outW;
  parallel_for(n1 - n0, 1, (double)pix * K, [&](long a, long b) {
    for (long nn = a; nn < b; ++nn) {
      float* img = dx + (n0 + nn) * (long)g.inH * g.inW * g.inC;
      const float* src = cols + nn * pix * K;
      for (int oh = 0; oh < g.outH; ++oh) {
        for (int ow = 0; ow < g.outW; ++ow) {
          const float* s = src + ((long)oh * g.outW + ow) * K;
          for (int ki = 0; ki < g.kh; ++ki) {
            int ih = oh * g.strideH - g.padTop + ki * g.dilH;
            if (ih < 0 || ih >= g.inH) continue;
            for (int kj = 0; kj < g.kw; ++kj) {
              int iw = ow * g.strideW - g.padLeft + kj * g.dilW;
              if (iw < 0 || iw >= g.inW) continue;
              float* d = img + ((long)ih * g.inW + iw) * g.inC;
              const float* q = s + ((long)ki * g.kw + kj) * g.inC;
              for (int c = 0; c < g.inC; ++c) d[c] += q[c];
            }
          }
        }
      }
    }
  });
}

std::vector<float>& scratch() {
  thread_local std::vector<float> buf;
  return buf;
}

}  // namespace

void conv2d(const ConvGeom& g, const float* x, const float* w, float* y) {
  const long K = patch_len(g);
  const long pix = (long)g.outH * g.outW;
  const int chunk = images_per_chunk(g);
  const bool direct = g.kh == 1 && g.kw == 1 && g.strideH == 1 &&
                      g.strideW == 1 && g.padTop == 0 && g.padLeft == 0 &&
                      g.outH == g.inH && g.outW == g.inW;
  if (direct) {
    sgemm(false, false, (int)(g.batch * pix), g.outC, (int)K, x, (int)K, w,
          g.outC, y, g.outC, false);
    return;
  }
  std::vector<float>& cols = scratch();
  for (int n0 = 0; n0 < g.batch; n0 += chunk) {
    int n1 = std::min(g.batch, n0 + chunk);
    long rows = (long)(n1 - n0) * pix;
    cols.resize(rows * K);
    im2col(g, x, n0, n1, cols.data());
    sgemm(false, false, (int)rows, g.outC, (int)K, cols.data(), (int)K, w,
          g.outC, y + (long)n0 * pix * g.outC, g.outC, false);
  }
}

void conv2d_backprop_input(const ConvGeom& g, const float* dy,
                           const float* w, float* dx) {
  const long K = patch_len(g);
  const long pix = (long)g.outH * g.outW;
  const int chunk = images_per_chunk(g);
  std::memset(dx, 0, sizeof(float) * g.batch * g.inH * g.inW * g.inC);
  std::vector<float>& cols = scratch();
  for (int n0 = 0; n0 < g.batch; n0 += chunk) {
    int n1 = std::min(g.batch, n0 + chunk);
    long rows = (long)(n1 - n0) * pix;
    cols.resize(rows * K);
    // dcols[rows, K] = dy[rows, outC] x w[K, outC]^T
    sgemm(false, true, (int)rows, (int)K, g.outC,
          dy + (long)n0 * pix * g.outC, g.outC, w, g.outC, cols.data(),
          (int)K, false);
    col2im(g, cols.data(), n0, n1, dx);
  }
}

void conv2d_backprop_filter(const ConvGeom& g, const float* x,
                            const float* dy, float* dw) {
  const long K = patch_len(g);
  const long pix = (long)g.outH * g.outW;
  const int chunk = images_per_chunk(g);
  std::vector<float>& cols = scratch();
  for (int n0 = 0; n0 < g.batch; n0 += chunk) {
    int n1 = std::min(g.batch, n0 + chunk);
    long rows = (long)(n1 - n0) * pix;
    cols.resize(rows * K);
    im2col(g, x, n0, n1, cols.data());
    // dw[K, outC] (+)= cols[rows, K]^T x dy[rows, outC]
    sgemm(true, false, (int)K, g.outC, (int)rows, cols.data(), (int)K,
          dy + (long)n0 * pix * g.outC, g.outC, dw, g.outC, n0 > 0);
  }
  if (g.batch == 0) std::memset(dw, 0, sizeof(float) * K * g.outC);
}

void conv2d_ref(const ConvGeom& g, const float* x, const float* w, float* y) {
  for (int n = 0; n < g.batch; ++n)
    for (int oh = 0; oh < g.outH; ++oh)
      for (int ow = 0; ow < g.outW; ++ow)
        for (int co = 0; co < g.outC; ++co) {
          double s = 0;
          for (int ki = 0; ki < g.kh; ++ki)
            for (int kj = 0; kj < g.kw; ++kj) {
              int ih = oh * g.strideH - g.padTop + ki * g.dilH;
              int iw = ow * g.strideW - g.padLeft + kj * g.dilW;
              if (ih < 0 || ih >= g.inH || iw < 0 || iw >= g.inW) continue;
              for (int ci = 0; ci < g.inC; ++ci) {
                s += (double)x[(((long)n * g.inH + ih) * g.inW + iw) * g.inC +
                               ci] *
                     w[(((long)ki * g.kw + kj) * g.inC + ci) * g.outC + co];
              }
            }
          y[(((long)n * g.outH + oh) * g.outW + ow) * g.outC + co] = (float)s;
        }
}

}  // namespace ms
