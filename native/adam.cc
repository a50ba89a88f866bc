// Fused Adam update (see kernels.h for the formula and its source).
#include <cmath>

#include "kernels.h"
#include "pool.h"

namespace ms {

void adam(const float* p, const float* g, const float* m, const float* v,
          float* p2, float* m2, float* v2, long n, float lr, float b1,
          float b2, float eps, int step) {
  // Bias corrections in double: 1 - b2^t is tiny for small t.
  const double bc1 = 1.0 - std::pow((double)b1, step);
  const double bc2 = 1.0 - std::pow((double)b2, step);
  const float stepSize = (float)(lr / bc1);
  const float invSqrtBc2 = (float)(1.0 / std::sqrt(bc2));
  const float c1 = 1.f - b1, c2 = 1.f - b2;
  parallel_for(n, 256, 8.0, [=](long i0, long i1) {
    // Local restrict pointers: the outputs never alias the inputs, and
    // saying so lets the compiler vectorise the loop.
    const float* __restrict pp = p;
    const float* __restrict gg = g;
    const float* __restrict mm = m;
    const float* __restrict vv = v;
    float* __restrict po = p2;
    float* __restrict mo = m2;
    float* __restrict vo = v2;
    for (long i = i0; i < i1; ++i) {
      float gi = gg[i];
      float mi = b1 * mm[i] + c1 * gi;
      float vi = b2 * vv[i] + c2 * gi * gi;
      mo[i] = mi;
      vo[i] = vi;
      // PyTorch: p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps)
      po[i] = pp[i] - stepSize * mi / (std::sqrt(vi) * invSqrtBc2 + eps);
    }
  });
}

}  // namespace ms
