// Fused Adam update (see kernels.h for the formula and its source).
#include <algorithm>
#include <cmath>

#include "kernels.h"
#include "pool.h"

namespace ms {

namespace {

struct AdamConsts {
  float b1, b2, c1, c2, stepSize, invSqrtBc2, eps;
};

AdamConsts consts(float lr, float b1, float b2, float eps, int step) {
  // Bias corrections in double: 1 - b2^t is tiny for small t.
  const double bc1 = 1.0 - std::pow((double)b1, step);
  const double bc2 = 1.0 - std::pow((double)b2, step);
  return {b1, b2, 1.f - b1, 1.f - b2, (float)(lr / bc1),
          (float)(1.0 / std::sqrt(bc2)), eps};
}

// Elements [i0, i1) of one parameter. Restrict-qualified parameters
// (GCC ignores restrict on local pointers): the outputs never alias the
// inputs, and saying so lets the compiler vectorise.
void adam_loop(const float* __restrict pp, const float* __restrict gg,
               const float* __restrict mm, const float* __restrict vv,
               float* __restrict po, float* __restrict mo,
               float* __restrict vo, long i0, long i1, float b1, float b2,
               float c1, float c2, float stepSize, float invSqrtBc2,
               float eps) {
  for (long i = i0; i < i1; ++i) {
    float gi = gg[i];
    float mi = b1 * mm[i] + c1 * gi;
    float vi = b2 * vv[i] + c2 * gi * gi;
    mo[i] = mi;
    vo[i] = vi;
    // PyTorch: p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps)
    po[i] = pp[i] - stepSize * mi / (std::sqrt(vi) * invSqrtBc2 + eps);
  }
}

void adam_range(const AdamConsts& k, const float* p, const float* g,
                const float* m, const float* v, float* p2, float* m2,
                float* v2, long i0, long i1) {
  adam_loop(p, g, m, v, p2, m2, v2, i0, i1, k.b1, k.b2, k.c1, k.c2,
            k.stepSize, k.invSqrtBc2, k.eps);
}

}  // namespace

void adam(const float* p, const float* g, const float* m, const float* v,
          float* p2, float* m2, float* v2, long n, float lr, float b1,
          float b2, float eps, int step) {
  const AdamConsts k = consts(lr, b1, b2, eps, step);
  parallel_for(n, 256, 8.0, [=, &k](long i0, long i1) {
    adam_range(k, p, g, m, v, p2, m2, v2, i0, i1);
  });
}

void adam_multi(int count, const AdamTensor* t, float lr, float b1, float b2,
                float eps, int step) {
  const AdamConsts k = consts(lr, b1, b2, eps, step);
  long total = 0;
  for (int i = 0; i < count; ++i) total += t[i].n;
  // One pass over the concatenation of all parameters. Threads only for
  // large models: the gradients were just summed on this core, and making
  // the other core fetch them costs more than it saves below a few
  // hundred thousand parameters (measured on the 2-core reference VM).
  parallel_for(total, 4096, 0.2, [&](long a, long b) {
    long base = 0;
    for (int i = 0; i < count && base < b; ++i) {
      const long lo = std::max(a, base), hi = std::min(b, base + t[i].n);
      if (lo < hi) {
        const AdamTensor& x = t[i];
        adam_range(k, x.p, x.g, x.m, x.v, x.p2, x.m2, x.v2, lo - base,
                   hi - base);
      }
      base += t[i].n;
    }
  });
}

}  // namespace ms
