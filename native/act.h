// Per-element activation formulas shared by the fused kernels.
//
// Gradients are written in terms of the forward *output* y, so a fused
// dense layer needs to keep only y: relu'(x) = [y > 0]; relu6'(x) =
// [0 < y < 6]; elu'(x) = y + 1 for y <= 0; leakyRelu'(x) = alpha for y <= 0
// (true for alpha > 0, the only use); sigmoid' = y (1 - y); tanh' = 1 - y^2.
// At x = 0 these give relu'(0) = 0 and leaky'(0) = alpha, matching tf.js.
#pragma once
#include <cmath>

#include "kernels.h"

namespace ms {

static inline float act_fwd(int act, float x, float alpha) {
  switch (act) {
    case kRelu: return x > 0.f ? x : 0.f;
    case kRelu6: return x > 0.f ? (x < 6.f ? x : 6.f) : 0.f;
    case kElu: return x > 0.f ? x : std::expm1(x);
    case kLeaky: return x > 0.f ? x : alpha * x;
    case kSigmoid: return 1.f / (1.f + std::exp(-x));
    case kTanh: return std::tanh(x);
    default: return x;
  }
}

static inline float act_dy(int act, float y, float alpha) {
  switch (act) {
    case kRelu: return y > 0.f ? 1.f : 0.f;
    case kRelu6: return (y > 0.f && y < 6.f) ? 1.f : 0.f;
    case kElu: return y > 0.f ? 1.f : y + 1.f;
    case kLeaky: return y > 0.f ? 1.f : alpha;
    case kSigmoid: return y * (1.f - y);
    case kTanh: return 1.f - y * y;
    default: return 1.f;
  }
}

}  // namespace ms
