// Reductions over any set of axes.
//
// Adjacent axes of the same kind (kept / reduced) are merged, which turns
// the common cases into one of: reduce everything, [keep, reduce] (row
// reductions, contiguous) and [reduce, keep] (column reductions, e.g. the
// bias gradient or batch-norm statistics over N, H, W in NHWC). Other
// patterns walk a general strided loop. Contiguous sums keep eight float
// partial sums (vectorised, and slower error growth than one running sum);
// float32 tolerance is the goal, batch-norm statistics (batchnorm.cc)
// accumulate in double.
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels.h"
#include "pool.h"

namespace ms {
namespace {

inline float init_of(int op) {
  if (op == kRMax) return -INFINITY;
  if (op == kRMin) return INFINITY;
  return 0.f;
}

inline float comb(int op, float acc, float v) {
  switch (op) {
    case kRMax: return (v > acc || v != v) ? v : acc;
    case kRMin: return (v < acc || v != v) ? v : acc;
    default: return acc + v;
  }
}

}  // namespace

void reduce(int op, const float* x, const int* shape, int rank,
            const uint8_t* axes, float* out) {
  // Merge runs of same-kind axes; drop size-1 axes.
  long dims[16];
  bool red[16];
  int r = 0;
  long total = 1, outN = 1, redN = 1;
  for (int i = 0; i < rank; ++i) {
    long d = shape[i];
    total *= d;
    if (axes[i]) redN *= d; else outN *= d;
    if (d == 1) continue;
    bool isr = axes[i] != 0;
    if (r > 0 && red[r - 1] == isr) {
      dims[r - 1] *= d;
    } else {
      dims[r] = d;
      red[r] = isr;
      ++r;
    }
  }
  if (outN == 0) return;
  const float init = init_of(op);
  const float scale = op == kRMean ? 1.f / (float)redN : 1.f;
  if (total == 0) {
    for (long i = 0; i < outN; ++i) out[i] = op == kRMean ? NAN : init;
    return;
  }
  if (r == 0 || (r == 1 && !red[0])) {
    // Nothing to reduce (all reduced axes have size 1).
    for (long i = 0; i < outN; ++i) out[i] = x[i];
    return;
  }
  if (r == 1 || (r == 2 && !red[0] && red[1])) {
    // [keep?, reduce]: each output is a contiguous run.
    long n = dims[r - 1];
    parallel_for(outN, 1, (double)n, [&](long o0, long o1) {
      for (long o = o0; o < o1; ++o) {
        const float* p = x + o * n;
        if (op == kRSum || op == kRMean) {
          // Eight partial sums: vectorises and halves rounding error growth.
          float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
          long i = 0;
          for (; i + 8 <= n; i += 8) {
            for (int k = 0; k < 8; ++k) s[k] += p[i + k];
          }
          float acc = 0.f;
          for (; i < n; ++i) acc += p[i];
          acc += ((s[0] + s[1]) + (s[2] + s[3])) +
                 ((s[4] + s[5]) + (s[6] + s[7]));
          out[o] = acc * scale;
        } else {
          float acc = init;
          for (long i = 0; i < n; ++i) acc = comb(op, acc, p[i]);
          out[o] = acc;
        }
      }
    });
    return;
  }
  if (r == 2 && red[0] && !red[1]) {
    // [reduce, keep]: sum rows into a vector; threads split the columns.
    long rows = dims[0], cols = dims[1];
    parallel_for(cols, 64, (double)rows, [&](long c0, long c1) {
      float* o = out + c0;
      long w = c1 - c0;
      for (long j = 0; j < w; ++j) o[j] = init;
      for (long i = 0; i < rows; ++i) {
        const float* p = x + i * cols + c0;
        if (op == kRSum || op == kRMean) {
          for (long j = 0; j < w; ++j) o[j] += p[j];
        } else {
          for (long j = 0; j < w; ++j) o[j] = comb(op, o[j], p[j]);
        }
      }
      if (scale != 1.f) for (long j = 0; j < w; ++j) o[j] *= scale;
    });
    return;
  }
  // General case: stride walk. Output index over kept axes; reduced axes
  // iterated inside.
  std::vector<long> kd, ks, rd, rs;
  long stride = 1;
  for (int i = r - 1; i >= 0; --i) {
    if (red[i]) { rd.push_back(dims[i]); rs.push_back(stride); }
    else { kd.push_back(dims[i]); ks.push_back(stride); }
    stride *= dims[i];
  }
  parallel_for(outN, 1, (double)redN, [&](long o0, long o1) {
    for (long o = o0; o < o1; ++o) {
      long base = 0, rem = o;
      for (size_t k = 0; k < kd.size(); ++k) {
        base += (rem % kd[k]) * ks[k];
        rem /= kd[k];
      }
      float acc = init;
      for (long q = 0; q < redN; ++q) {
        long off = base, rq = q;
        for (size_t k = 0; k < rd.size(); ++k) {
          off += (rq % rd[k]) * rs[k];
          rq /= rd[k];
        }
        acc = comb(op, acc, x[off]);
      }
      out[o] = acc * scale;
    }
  });
}

}  // namespace ms
