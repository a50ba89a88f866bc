// A chain of dense layers run as one kernel forward and one backward.
//
// Small GANs (the toy MLPs of 2-D mixtures) spend most of a step in
// 256 x 128 x 128 products and in the per-kernel overhead of a tf.js
// engine around them. Running the whole chain in one call removes the
// overhead, and splitting the *batch* between threads, each carrying its
// rows through every layer, needs one synchronisation per pass instead of
// one per product: each thread computes its rows' activations (forward)
// or gradients (backward) and its rows' share of every weight gradient,
// and the shares are summed at the end.
//
// Notation: layer l (0-based, of L) maps its input a_l [batch, width[l]]
// (a_0 = x, a_l = h[l-1]) to h[l] = act_l(a_l W[l] + b[l]) [batch,
// width[l+1]], W[l] [width[l], width[l+1]]; h[L-1] = y. Backward:
// g_l = dh[l] * act_l'(h[l]) is the gradient at layer l's pre-activation;
// dW[l] = a_l^T g_l, db[l] = sum over rows of g_l, da_l = g_l W[l]^T.
#include <algorithm>
#include <cstring>
#include <memory>
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

// d[i] += a[i].
void add_into(float* __restrict d, const float* __restrict a, long n) {
  for (long i = 0; i < n; ++i) d[i] += a[i];
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

// Rows [r0, r1) of h[l] = act(a W + b), single-threaded.
void forward_rows(const MlpShape& s, int r0, int r1, const float* x,
                  const float* const* W, const float* const* b,
                  float* const* h) {
  const int n = r1 - r0;
  for (int l = 0; l < s.layers; ++l) {
    const int I = s.width[l], O = s.width[l + 1];
    const float* in = l == 0 ? x : h[l - 1];
    float* out = h[l] + (long)r0 * O;
    sgemm_serial(false, false, n, O, I, in + (long)r0 * I, I, W[l], O, out,
                 O, false);
    bias_act_rows(out, n, O, b[l], b[l] ? O : 0, s.act[l], s.alpha[l]);
  }
}

// Row ranges of a batch split over `parts` threads, in whole micro-tile
// rows (6) where the batch allows.
int split_rows(int batch, int parts, int t) {
  if (t >= parts) return batch;
  long per = ((long)batch + parts - 1) / parts;
  per = (per + 5) / 6 * 6;
  return (int)std::min<long>(batch, per * t);
}

// How many threads a pass over `batch` rows costing `flops` should use.
int threads_for(int batch, double flops) {
  int t = num_threads();
  if (flops < 4e5) return 1;
  return std::max(1, std::min(t, batch / 12));
}

// How many row blocks the backward pass sums weight gradients over: a
// function of the problem alone, never of the thread count, so that a
// training run gives the same bits on 1, 2 or 16 threads (the blocks are
// claimed by whichever threads there are, and their shares are always
// added in block order). Blocks of at least 96 rows keep the products
// efficient (64-row blocks made a 256-row backward pass 5% slower on two
// cores); up to 4 of them use 4 cores.
int blocks_for(int batch, double flops) {
  if (flops < 4e5) return 1;
  return std::max(1, std::min(4, batch / 96));
}

double mlp_flops(const MlpShape& s) {
  double f = 0;
  for (int l = 0; l < s.layers; ++l) {
    f += 2.0 * s.batch * s.width[l] * s.width[l + 1];
  }
  return f;
}

}  // namespace

void mlp_forward(const MlpShape& s, const float* x, const float* const* W,
                 const float* const* b, float* const* h) {
  const int parts = threads_for(s.batch, mlp_flops(s));
  if (parts == 1) {
    forward_rows(s, 0, s.batch, x, W, b, h);
    return;
  }
  parallel_run(parts, [&](int t) {
    int r0 = split_rows(s.batch, parts, t);
    int r1 = split_rows(s.batch, parts, t + 1);
    if (r0 < r1) forward_rows(s, r0, r1, x, W, b, h);
  });
}

void mlp_backward(const MlpShape& s, const float* x, const float* const* W,
                  const float* const* h, const float* dy, float* const* dW,
                  float* const* db, float* dx, float* g0) {
  const int B = s.batch, L = s.layers;
  int widest = 0;
  long wsize = 0, bsize = 0;
  for (int l = 0; l <= L; ++l) widest = std::max(widest, s.width[l]);
  for (int l = 0; l < L; ++l) {
    wsize += (long)s.width[l] * s.width[l + 1];
    bsize += s.width[l + 1];
  }
  const bool params = dW != nullptr;
  // Without weight gradients nothing is summed over rows: any split gives
  // the same bits, so use every thread.
  const int parts = params ? blocks_for(B, 2 * mlp_flops(s))
                           : threads_for(B, mlp_flops(s));
  // Each task's share of dW and db past task 0's (which writes dW and db
  // directly); not zeroed, every entry is written.
  std::unique_ptr<float[]> share(
      params && parts > 1 ? new float[(size_t)(parts - 1) * (wsize + bsize)]
                          : nullptr);
  auto rows = [&](int t) {
    const int r0 = split_rows(B, parts, t), r1 = split_rows(B, parts, t + 1);
    const int n = std::max(0, r1 - r0);
    // Per-thread scratch for two gradient row blocks, reused across calls
    // (and so kept in this core's cache); a thread runs one task at a time.
    static thread_local std::vector<float> scratch;
    const long need = 2L * n * widest;
    if ((long)scratch.size() < need) scratch.resize(need);
    float* g = scratch.data();
    float* next = g + (long)n * widest;
    float* myW = params && t > 0
                     ? share.get() + (long)(t - 1) * (wsize + bsize)
                     : nullptr;
    if (n == 0) {
      // An empty share still has to be zero for the sum below.
      if (myW) std::fill(myW, myW + wsize + bsize, 0.f);
      return;
    }
    long wOff = wsize, bOff = wsize + bsize;  // walk down from the top
    const int OL = s.width[L];
    std::memcpy(g, dy + (long)r0 * OL, sizeof(float) * n * OL);
    mask_inplace(s.act[L - 1], g, h[L - 1] + (long)r0 * OL, (long)n * OL,
                 s.alpha[L - 1]);
    for (int l = L - 1; l >= 0; --l) {
      const int I = s.width[l], O = s.width[l + 1];
      wOff -= (long)I * O;
      bOff -= O;
      const float* in = (l == 0 ? x : h[l - 1]) + (long)r0 * I;
      if (params) {
        float* dw = myW ? myW + wOff : dW[l];
        sgemm_serial(true, false, I, O, n, in, I, g, O, dw, O, false);
        float* dbl = myW ? myW + bOff : db[l];
        if (dbl) col_sum(g, n, O, dbl);
      }
      if (l == 0 && g0) {
        std::memcpy(g0 + (long)r0 * O, g, sizeof(float) * n * O);
      }
      float* prop = l > 0 ? next : (dx ? dx + (long)r0 * I : nullptr);
      if (prop) {
        sgemm_serial(false, true, n, I, O, g, O, W[l], O, prop, I, false);
      }
      if (l > 0) {
        mask_inplace(s.act[l - 1], next, h[l - 1] + (long)r0 * I, (long)n * I,
                     s.alpha[l - 1]);
        std::swap(g, next);
      }
    }
  };
  if (parts == 1) {
    rows(0);
  } else {
    parallel_run(parts, rows);
  }
  if (!params) return;
  // Sum the other tasks' shares into task 0's, each thread a slice of
  // every layer's dW and db (the shares sit in different cores' caches).
  const int red = wsize + bsize >= 16384 ? parts : 1;
  auto reduce = [&](int t) {
    long wOff = 0, bOff = wsize;
    for (int l = 0; l < L; ++l) {
      const long nw = (long)s.width[l] * s.width[l + 1];
      const long nb = s.width[l + 1];
      const long w0 = nw * t / red, w1 = nw * (t + 1) / red;
      const long b0 = nb * t / red, b1 = nb * (t + 1) / red;
      for (int k = 1; k < parts; ++k) {
        const float* sh = share.get() + (long)(k - 1) * (wsize + bsize);
        add_into(dW[l] + w0, sh + wOff + w0, w1 - w0);
        if (db[l]) add_into(db[l] + b0, sh + bOff + b0, b1 - b0);
      }
      wOff += nw;
      bOff += nb;
    }
  };
  if (red > 1) {
    parallel_run(red, reduce);
  } else {
    reduce(0);
  }
}

}  // namespace ms
