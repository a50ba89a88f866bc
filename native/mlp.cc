// A chain of dense layers run as one kernel forward and one backward.
//
// Small GANs (the toy MLPs of 2-D mixtures) spend most of a step in
// 256 x 128 x 128 products and in the per-kernel overhead of a tf.js
// engine around them. Running the whole chain in one call removes the
// overhead; running the two independent products of each backward layer
// (the weight gradient and the propagated gradient) side by side, one per
// core, removes the cost of splitting a small product across threads.
//
// Notation: layer l (0-based, of L) maps its input a_l [batch, width[l]]
// (a_0 = x, a_l = h[l-1]) to h[l] = act_l(a_l W[l] + b[l]) [batch,
// width[l+1]], W[l] [width[l], width[l+1]]; h[L-1] = y. Backward:
// g_l = dh[l] * act_l'(h[l]) is the gradient at layer l's pre-activation;
// dW[l] = a_l^T g_l, db[l] = sum over rows of g_l, da_l = g_l W[l]^T.
#include <algorithm>
#include <cstring>
#include <vector>

#include "act.h"
#include "kernels.h"
#include "pool.h"

namespace ms {
namespace {

// g = dy * act'(y) in place over n elements (g may alias dy).
void mask_inplace(int act, float* g, const float* y, long n, float alpha) {
  if (act == kLinear) return;
  float* __restrict o = g;
  const float* __restrict v = y;
  switch (act) {
    case kRelu:
      for (long i = 0; i < n; ++i) o[i] = v[i] > 0.f ? o[i] : 0.f;
      break;
    case kLeaky:
      for (long i = 0; i < n; ++i) o[i] *= v[i] > 0.f ? 1.f : alpha;
      break;
    default:
      for (long i = 0; i < n; ++i) o[i] *= act_dy(act, v[i], alpha);
  }
}

// db[c] = sum_r g[r, c].
void col_sum(const float* g, int rows, int cols, float* db) {
  float* __restrict o = db;
  std::memset(o, 0, sizeof(float) * cols);
  for (int r = 0; r < rows; ++r) {
    const float* __restrict s = g + (long)r * cols;
    for (int c = 0; c < cols; ++c) o[c] += s[c];
  }
}

std::vector<float>& scratch(int i) {
  static thread_local std::vector<float> s[2];
  return s[i];
}

}  // namespace

void mlp_forward(const MlpShape& s, const float* x, const float* const* W,
                 const float* const* b, float* const* h) {
  const float* in = x;
  for (int l = 0; l < s.layers; ++l) {
    const int I = s.width[l], O = s.width[l + 1];
    sgemm(false, false, s.batch, O, I, in, I, W[l], O, h[l], O, false);
    bias_act(h[l], s.batch, O, b[l], b[l] ? O : 0, s.act[l], s.alpha[l]);
    in = h[l];
  }
}

void mlp_backward(const MlpShape& s, const float* x, const float* const* W,
                  const float* const* h, const float* dy, float* const* dW,
                  float* const* db, float* dx, float* g0) {
  const int B = s.batch, L = s.layers;
  int widest = 0;
  for (int l = 0; l <= L; ++l) widest = std::max(widest, s.width[l]);
  std::vector<float>& ga = scratch(0);
  std::vector<float>& gb = scratch(1);
  ga.resize((size_t)B * widest);
  gb.resize((size_t)B * widest);
  float* g = ga.data();
  float* next = gb.data();
  const bool params = dW != nullptr;

  std::memcpy(g, dy, sizeof(float) * B * s.width[L]);
  mask_inplace(s.act[L - 1], g, h[L - 1], (long)B * s.width[L],
               s.alpha[L - 1]);
  for (int l = L - 1; l >= 0; --l) {
    const int I = s.width[l], O = s.width[l + 1];
    const float* in = l == 0 ? x : h[l - 1];
    // Where dh[l] goes: the next g (masked below), dx, or nowhere.
    float* prop = l > 0 ? next : dx;
    const bool both = params && prop != nullptr;
    if (both && num_threads() >= 2 && 2.0 * B * I * O > 2e5) {
      // Two equal-sized products, one per core.
      parallel_run(2, [&](int t) {
        if (t == 0) {
          sgemm_serial(true, false, I, O, B, in, I, g, O, dW[l], O, false);
        } else {
          sgemm_serial(false, true, B, I, O, g, O, W[l], O, prop, I, false);
        }
      });
    } else {
      if (params) sgemm(true, false, I, O, B, in, I, g, O, dW[l], O, false);
      if (prop) sgemm(false, true, B, I, O, g, O, W[l], O, prop, I, false);
    }
    if (params && db[l]) col_sum(g, B, O, db[l]);
    if (l == 0 && g0) std::memcpy(g0, g, sizeof(float) * B * O);
    if (l > 0) {
      mask_inplace(s.act[l - 1], next, h[l - 1], (long)B * I,
                   s.alpha[l - 1]);
      std::swap(g, next);
    }
  }
}

}  // namespace ms
