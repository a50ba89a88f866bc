// Elementwise kernels: broadcasting binary arithmetic, unary math and
// activation gradients.
//
// Broadcasting (numpy rules) is reduced to strided loops: each output axis
// gets a stride per input (0 where that input has size 1), adjacent axes
// with compatible strides are merged, and the innermost axis runs one of
// three specialised loops (both inputs contiguous, or one of them fixed).
#include <algorithm>
#include <cmath>

#include "act.h"
#include "kernels.h"
#include "pool.h"

namespace ms {
namespace {

constexpr int kMaxRank = 8;

template <int OP>
inline float bin(float a, float b) {
  if constexpr (OP == kAdd) return a + b;
  if constexpr (OP == kSub) return a - b;
  if constexpr (OP == kMul) return a * b;
  if constexpr (OP == kDiv) return a / b;
  // NaN propagates like tf.js's CPU backend (Math.max/Math.min).
  if constexpr (OP == kMax) return (a != a || b != b) ? NAN : (a > b ? a : b);
  if constexpr (OP == kMin) return (a != a || b != b) ? NAN : (a < b ? a : b);
  if constexpr (OP == kSqDiff) return (a - b) * (a - b);
  if constexpr (OP == kGreater) return a > b ? 1.f : 0.f;
  if constexpr (OP == kLess) return a < b ? 1.f : 0.f;
  if constexpr (OP == kPow) return std::pow(a, b);
  return 0.f;
}

float bin_dyn(int op, float a, float b) {
  switch (op) {
    case kAdd: return bin<kAdd>(a, b);
    case kSub: return bin<kSub>(a, b);
    case kMul: return bin<kMul>(a, b);
    case kDiv: return bin<kDiv>(a, b);
    case kMax: return bin<kMax>(a, b);
    case kMin: return bin<kMin>(a, b);
    case kSqDiff: return bin<kSqDiff>(a, b);
    case kGreater: return bin<kGreater>(a, b);
    case kLess: return bin<kLess>(a, b);
    case kPow: return bin<kPow>(a, b);
  }
  return 0.f;
}

struct Plan {
  int rank = 0;
  long dims[kMaxRank];
  long sa[kMaxRank], sb[kMaxRank];
  long total = 1;
};

// Aligns both input shapes to the output's rank, assigns broadcast
// strides, and merges axes that can be walked as one.
Plan make_plan(const int* ashape, int arank, const int* bshape, int brank,
               const int* oshape, int orank) {
  long da[kMaxRank], db[kMaxRank];
  long stA = 1, stB = 1;
  long ra[kMaxRank], rb[kMaxRank];
  for (int i = orank - 1; i >= 0; --i) {
    int ia = i - (orank - arank), ib = i - (orank - brank);
    long a = ia >= 0 ? ashape[ia] : 1, b = ib >= 0 ? bshape[ib] : 1;
    da[i] = a;
    db[i] = b;
    ra[i] = a == 1 ? 0 : stA;
    rb[i] = b == 1 ? 0 : stB;
    stA *= a;
    stB *= b;
  }
  Plan p;
  for (int i = 0; i < orank; ++i) {
    long d = oshape[i];
    p.total *= d;
    if (d == 1) continue;
    if (p.rank > 0) {
      int k = p.rank - 1;
      // Merge axis i into the previous kept axis when walking both as one
      // index keeps each input's stride pattern.
      if (p.sa[k] == ra[i] * d && p.sb[k] == rb[i] * d) {
        p.dims[k] *= d;
        p.sa[k] = ra[i];
        p.sb[k] = rb[i];
        continue;
      }
    }
    p.dims[p.rank] = d;
    p.sa[p.rank] = ra[i];
    p.sb[p.rank] = rb[i];
    ++p.rank;
  }
  (void)da;
  (void)db;
  return p;
}

template <int OP>
void inner(const float* a, long sa, const float* b, long sb, float* o,
           long n) {
  if (sa == 1 && sb == 1) {
    for (long i = 0; i < n; ++i) o[i] = bin<OP>(a[i], b[i]);
  } else if (sa == 1 && sb == 0) {
    const float bv = *b;
    for (long i = 0; i < n; ++i) o[i] = bin<OP>(a[i], bv);
  } else if (sa == 0 && sb == 1) {
    const float av = *a;
    for (long i = 0; i < n; ++i) o[i] = bin<OP>(av, b[i]);
  } else {
    for (long i = 0; i < n; ++i) o[i] = bin<OP>(a[i * sa], b[i * sb]);
  }
}

template <int OP>
void run_plan(const Plan& p, const float* a, const float* b, float* out) {
  if (p.rank == 0) {
    out[0] = bin<OP>(a[0], b[0]);
    return;
  }
  const int last = p.rank - 1;
  if (p.rank == 1) {
    // One contiguous run (same shapes, or a scalar operand): split it.
    parallel_for(p.dims[0], 4096, 1.0, [&](long i0, long i1) {
      inner<OP>(a + i0 * p.sa[0], p.sa[0], b + i0 * p.sb[0], p.sb[0],
                out + i0, i1 - i0);
    });
    return;
  }
  const long n = p.dims[last];
  const long rows = p.total / n;
  parallel_for(rows, 1, (double)n, [&](long r0, long r1) {
    for (long r = r0; r < r1; ++r) {
      // Decompose the row index over the outer axes.
      long rem = r, oa = 0, ob = 0;
      for (int k = last - 1; k >= 0; --k) {
        long idx = rem % p.dims[k];
        rem /= p.dims[k];
        oa += idx * p.sa[k];
        ob += idx * p.sb[k];
      }
      inner<OP>(a + oa, p.sa[last], b + ob, p.sb[last], out + r * n, n);
    }
  });
}

}  // namespace

void binary(int op, const float* a, const int* ashape, int arank,
            const float* b, const int* bshape, int brank, float* out,
            const int* oshape, int orank) {
  Plan p = make_plan(ashape, arank, bshape, brank, oshape, orank);
  if (p.total == 0) return;
  switch (op) {
    case kAdd: return run_plan<kAdd>(p, a, b, out);
    case kSub: return run_plan<kSub>(p, a, b, out);
    case kMul: return run_plan<kMul>(p, a, b, out);
    case kDiv: return run_plan<kDiv>(p, a, b, out);
    case kMax: return run_plan<kMax>(p, a, b, out);
    case kMin: return run_plan<kMin>(p, a, b, out);
    case kSqDiff: return run_plan<kSqDiff>(p, a, b, out);
    case kGreater: return run_plan<kGreater>(p, a, b, out);
    case kLess: return run_plan<kLess>(p, a, b, out);
    case kPow: return run_plan<kPow>(p, a, b, out);
  }
}

void binary_ref(int op, const float* a, const int* ashape, int arank,
                const float* b, const int* bshape, int brank, float* out,
                const int* oshape, int orank) {
  long total = 1;
  for (int i = 0; i < orank; ++i) total *= oshape[i];
  int idx[kMaxRank];
  for (long f = 0; f < total; ++f) {
    long rem = f;
    for (int i = orank - 1; i >= 0; --i) {
      idx[i] = (int)(rem % oshape[i]);
      rem /= oshape[i];
    }
    long ia = 0, ib = 0;
    for (int i = 0; i < arank; ++i) {
      int d = ashape[i];
      ia = ia * d + (d == 1 ? 0 : idx[i + orank - arank]);
    }
    for (int i = 0; i < brank; ++i) {
      int d = bshape[i];
      ib = ib * d + (d == 1 ? 0 : idx[i + orank - brank]);
    }
    out[f] = bin_dyn(op, a[ia], b[ib]);
  }
}

void unary(int op, const float* x, float* out, long n, float alpha) {
  double cost = op <= kURelu6 || op == kUNeg || op == kUSquare ||
                        op == kUAbs || op == kUStep
                    ? 1.0
                    : 10.0;
  parallel_for(n, 1024, cost, [&](long i0, long i1) {
    const float* a = x + i0;
    float* o = out + i0;
    long m = i1 - i0;
    switch (op) {
      case kURelu:
        for (long i = 0; i < m; ++i) o[i] = a[i] > 0.f ? a[i] : 0.f;
        break;
      case kURelu6:
        for (long i = 0; i < m; ++i) o[i] = std::min(std::max(a[i], 0.f), 6.f);
        break;
      case kUElu:
        for (long i = 0; i < m; ++i) {
          o[i] = a[i] > 0.f ? a[i] : std::expm1(a[i]);
        }
        break;
      case kULeaky:
        for (long i = 0; i < m; ++i) o[i] = a[i] > 0.f ? a[i] : alpha * a[i];
        break;
      case kUSigmoid:
        for (long i = 0; i < m; ++i) o[i] = 1.f / (1.f + std::exp(-a[i]));
        break;
      case kUTanh:
        for (long i = 0; i < m; ++i) o[i] = std::tanh(a[i]);
        break;
      case kUExp:
        for (long i = 0; i < m; ++i) o[i] = std::exp(a[i]);
        break;
      case kULog:
        for (long i = 0; i < m; ++i) o[i] = std::log(a[i]);
        break;
      case kUNeg:
        for (long i = 0; i < m; ++i) o[i] = -a[i];
        break;
      case kUSquare:
        for (long i = 0; i < m; ++i) o[i] = a[i] * a[i];
        break;
      case kUSqrt:
        for (long i = 0; i < m; ++i) o[i] = std::sqrt(a[i]);
        break;
      case kURsqrt:
        for (long i = 0; i < m; ++i) o[i] = 1.f / std::sqrt(a[i]);
        break;
      case kUSoftplus:
        // log(1 + e^x) without overflow: max(x, 0) + log1p(e^-|x|).
        for (long i = 0; i < m; ++i) {
          o[i] = std::max(a[i], 0.f) + std::log1p(std::exp(-std::fabs(a[i])));
        }
        break;
      case kUAbs:
        for (long i = 0; i < m; ++i) o[i] = std::fabs(a[i]);
        break;
      case kUStep:
        // tf.js step: 1 for x > 0, alpha otherwise, NaN stays NaN.
        for (long i = 0; i < m; ++i) {
          o[i] = a[i] != a[i] ? NAN : (a[i] > 0.f ? 1.f : alpha);
        }
        break;
      case kULog1p:
        for (long i = 0; i < m; ++i) o[i] = std::log1p(a[i]);
        break;
      case kUReciprocal:
        for (long i = 0; i < m; ++i) o[i] = 1.f / a[i];
        break;
    }
  });
}

void act_grad(int act, const float* dy, const float* y, float* out, long n,
              float alpha) {
  parallel_for(n, 1024, 2.0, [=](long i0, long i1) {
    // Local restrict pointers and selects, not branches: the signs of y
    // are random, so a branch mispredicts on every other element.
    const float* __restrict g = dy + i0;
    const float* __restrict v = y + i0;
    float* __restrict o = out + i0;
    const long m = i1 - i0;
    switch (act) {
      case kRelu:
        for (long i = 0; i < m; ++i) o[i] = v[i] > 0.f ? g[i] : 0.f;
        break;
      case kLeaky:
        for (long i = 0; i < m; ++i) {
          o[i] = g[i] * (v[i] > 0.f ? 1.f : alpha);
        }
        break;
      default:
        for (long i = 0; i < m; ++i) o[i] = g[i] * act_dy(act, v[i], alpha);
    }
  });
}

}  // namespace ms
