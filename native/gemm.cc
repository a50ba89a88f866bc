// Single-precision GEMM: packed panels and a register-blocked micro-kernel
// (the Goto/BLIS scheme: Goto & van de Geijn, "Anatomy of High-Performance
// Matrix Multiplication", ACM TOMS 2008).
//
// Dimension legend: C[M,N] = op(A)[M,K] op(B)[K,N]. Loops: jc over N in NC
// columns, pc over K in KC, ic over M in MC; the micro-kernel computes an
// MR x NR tile of C from a packed A strip [KC][MR] and B strip [KC][NR].
// Packing absorbs the transposes, so all four transpose combinations run
// the same inner loop at the same speed.
#include <algorithm>
#include <cstdlib>
#include <cmath>
#include <cstring>

#include "act.h"
#include "kernels.h"
#include "pool.h"
#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define MS_AVX2 1
#endif

namespace ms {
namespace {

#ifdef MS_AVX2
constexpr int MR = 6, NR = 16;  // 12 ymm accumulators + 2 B + 1 A of 16
#else
constexpr int MR = 4, NR = 8;  // portable path: the compiler vectorises
#endif
constexpr int KC = 256;  // A strip and B strip stay in L1 together
constexpr int MC = 120;  // packed A block (MC x KC) stays in L2
constexpr int NC = 2048;  // packed B block (KC x NC) stays in L3

struct Buffers {
  float* a = nullptr;
  float* b = nullptr;
  Buffers() {
    a = static_cast<float*>(std::aligned_alloc(64, sizeof(float) * MC * KC));
    b = static_cast<float*>(
        std::aligned_alloc(64, sizeof(float) * KC * (NC + NR)));
  }
  ~Buffers() {
    std::free(a);
    std::free(b);
  }
};

Buffers& buffers() {
  thread_local Buffers buf;
  return buf;
}

// Packs op(A)[i0:i0+mc, p0:p0+kc] into MR-row strips, zero-padded.
void pack_a(bool ta, const float* A, int lda, int i0, int mc, int p0, int kc,
            float* dst) {
  for (int is = 0; is < mc; is += MR) {
    int mr = std::min(MR, mc - is);
    float* d = dst + (long)is * kc;
    if (!ta) {
      for (int p = 0; p < kc; ++p) {
        const float* src = A + (long)(i0 + is) * lda + p0 + p;
        int r = 0;
        for (; r < mr; ++r) d[p * MR + r] = src[(long)r * lda];
        for (; r < MR; ++r) d[p * MR + r] = 0.f;
      }
    } else {
      for (int p = 0; p < kc; ++p) {
        const float* src = A + (long)(p0 + p) * lda + i0 + is;
        int r = 0;
        for (; r < mr; ++r) d[p * MR + r] = src[r];
        for (; r < MR; ++r) d[p * MR + r] = 0.f;
      }
    }
  }
}

// Packs op(B)[p0:p0+kc, j0:j0+nc] into NR-column strips, zero-padded.
void pack_b(bool tb, const float* B, int ldb, int p0, int kc, int j0, int nc,
            float* dst) {
  for (int js = 0; js < nc; js += NR) {
    int nr = std::min(NR, nc - js);
    float* d = dst + (long)js * kc;
    if (!tb) {
      for (int p = 0; p < kc; ++p) {
        const float* src = B + (long)(p0 + p) * ldb + j0 + js;
        if (nr == NR) {
          std::memcpy(d + p * NR, src, sizeof(float) * NR);
        } else {
          int c = 0;
          for (; c < nr; ++c) d[p * NR + c] = src[c];
          for (; c < NR; ++c) d[p * NR + c] = 0.f;
        }
      }
    } else {
      for (int p = 0; p < kc; ++p) {
        const float* src = B + (long)(j0 + js) * ldb + p0 + p;
        int c = 0;
        for (; c < nr; ++c) d[p * NR + c] = src[(long)c * ldb];
        for (; c < NR; ++c) d[p * NR + c] = 0.f;
      }
    }
  }
}

// How the micro-kernel reads its MR rows of op(A) at step p of K: from
// a packed strip, or straight from A when A is small enough to sit in
// cache as it is (see sgemm_block). Either way each C entry sums the same
// products in the same order, so the choice never changes a bit.
struct PackedA {  // [kc][MR], as pack_a writes it
  const float* a;
  const float* at(int p, int r) const { return a + (long)p * MR + r; }
};
struct RowsA {  // A stored [M, K]: row i0 + r at rows[r]
  const float* rows[MR];
  const float* at(int p, int r) const { return rows[r] + p; }
};
struct ColsA {  // A stored [K, M]: the MR rows of op(A) are adjacent
  const float* a;
  long lda;
  const float* at(int p, int r) const { return a + p * lda + r; }
};

// C tile [mr, nr] (+)= A's strip (via `ap`) x packed B strip over kc.
template <class AP>
void micro(int kc, const AP& ap, const float* b, float* C, int ldc, int mr,
           int nr, bool acc) {
#ifdef MS_AVX2
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (int p = 0; p < kc; ++p) {
    __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
    __m256 x;
    x = _mm256_broadcast_ss(ap.at(p, 0));
    c00 = _mm256_fmadd_ps(x, b0, c00); c01 = _mm256_fmadd_ps(x, b1, c01);
    x = _mm256_broadcast_ss(ap.at(p, 1));
    c10 = _mm256_fmadd_ps(x, b0, c10); c11 = _mm256_fmadd_ps(x, b1, c11);
    x = _mm256_broadcast_ss(ap.at(p, 2));
    c20 = _mm256_fmadd_ps(x, b0, c20); c21 = _mm256_fmadd_ps(x, b1, c21);
    x = _mm256_broadcast_ss(ap.at(p, 3));
    c30 = _mm256_fmadd_ps(x, b0, c30); c31 = _mm256_fmadd_ps(x, b1, c31);
    x = _mm256_broadcast_ss(ap.at(p, 4));
    c40 = _mm256_fmadd_ps(x, b0, c40); c41 = _mm256_fmadd_ps(x, b1, c41);
    x = _mm256_broadcast_ss(ap.at(p, 5));
    c50 = _mm256_fmadd_ps(x, b0, c50); c51 = _mm256_fmadd_ps(x, b1, c51);
    b += NR;
  }
  alignas(32) float t[MR * NR];
  const __m256 rows[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21},
                              {c30, c31}, {c40, c41}, {c50, c51}};
  if (mr == MR && nr == NR) {
    for (int r = 0; r < MR; ++r) {
      float* c = C + (long)r * ldc;
      __m256 v0 = rows[r][0], v1 = rows[r][1];
      if (acc) {
        v0 = _mm256_add_ps(v0, _mm256_loadu_ps(c));
        v1 = _mm256_add_ps(v1, _mm256_loadu_ps(c + 8));
      }
      _mm256_storeu_ps(c, v0);
      _mm256_storeu_ps(c + 8, v1);
    }
    return;
  }
  for (int r = 0; r < MR; ++r) {
    _mm256_store_ps(t + r * NR, rows[r][0]);
    _mm256_store_ps(t + r * NR + 8, rows[r][1]);
  }
#else
  float t[MR * NR] = {0};
  for (int p = 0; p < kc; ++p) {
    for (int r = 0; r < MR; ++r) {
      const float x = *ap.at(p, r);
      for (int c = 0; c < NR; ++c) t[r * NR + c] += x * b[c];
    }
    b += NR;
  }
#endif
  for (int r = 0; r < mr; ++r) {
    float* c = C + (long)r * ldc;
    const float* s = t + r * NR;
    for (int j = 0; j < nr; ++j) c[j] = acc ? c[j] + s[j] : s[j];
  }
}

// C[M,N] (+)= op(A) op(B) for N < NR / 2 (a dense layer with one or two
// outputs, and its weight gradient): the register-blocked kernel would pad
// every B strip to NR columns and waste most of its work. The columns of
// op(B) are copied out contiguous, then
//  - A stored [M, K]: each entry is a dot product of A's row with a
//    column, over 8 lanes of K at a time (two rows share each column
//    load), the lanes summed at the end;
//  - A stored [K, M] (weight gradients, x^T dy): 8 entries of a column of
//    C at once, one fused multiply-add per k.
// Every entry's arithmetic depends on its (i, j) and K alone, never on
// where a thread's slab of rows starts: the same bits on any thread count.
#ifdef MS_AVX2
inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v),
                        _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// C[i0..i0+R, 0..N) (+)= A rows . columns; R is 1 or 2.
template <int N, int R>
void narrow_rows(const float* A, int lda, int i0, const float (*col)[KC],
                 int kc, float* C, int ldc, bool add) {
  __m256 acc[R][N];
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < N; ++j) acc[r][j] = _mm256_setzero_ps();
  const float* a[R];
  for (int r = 0; r < R; ++r) a[r] = A + (long)(i0 + r) * lda;
  int p = 0;
  for (; p + 8 <= kc; p += 8) {
    __m256 x[R];
    for (int r = 0; r < R; ++r) x[r] = _mm256_loadu_ps(a[r] + p);
    for (int j = 0; j < N; ++j) {
      const __m256 c = _mm256_loadu_ps(col[j] + p);
      for (int r = 0; r < R; ++r) {
        acc[r][j] = _mm256_fmadd_ps(x[r], c, acc[r][j]);
      }
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int j = 0; j < N; ++j) {
      float s = hsum(acc[r][j]);
      for (int q = p; q < kc; ++q) s = std::fma(a[r][q], col[j][q], s);
      float* c = C + (long)(i0 + r) * ldc + j;
      *c = add ? *c + s : s;
    }
  }
}

// C[i0..i0+8, 0..N) (+)= sum_p A[p, i0..i0+8] col[j][p]; A stored [K, M].
template <int N>
void narrow_cols8(const float* A, int lda, int i0, const float (*col)[KC],
                  int kc, float* C, int ldc, bool add) {
  __m256 acc[N];
  for (int j = 0; j < N; ++j) acc[j] = _mm256_setzero_ps();
  const float* a = A + i0;
  for (int p = 0; p < kc; ++p) {
    const __m256 x = _mm256_loadu_ps(a + (long)p * lda);
    for (int j = 0; j < N; ++j) {
      acc[j] = _mm256_fmadd_ps(x, _mm256_set1_ps(col[j][p]), acc[j]);
    }
  }
  alignas(32) float t[8];
  for (int j = 0; j < N; ++j) {
    _mm256_store_ps(t, acc[j]);
    for (int r = 0; r < 8; ++r) {
      float* c = C + (long)(i0 + r) * ldc + j;
      *c = add ? *c + t[r] : t[r];
    }
  }
}

template <int N>
void narrow_block(bool ta, int M, const float* A, int lda,
                  const float (*col)[KC], int kc, float* C, int ldc,
                  bool add) {
  if (!ta) {
    int i = 0;
    for (; i + 2 <= M; i += 2) {
      narrow_rows<N, 2>(A, lda, i, col, kc, C, ldc, add);
    }
    if (i < M) narrow_rows<N, 1>(A, lda, i, col, kc, C, ldc, add);
    return;
  }
  int i = 0;
  for (; i + 8 <= M; i += 8) narrow_cols8<N>(A, lda, i, col, kc, C, ldc, add);
  for (; i < M; ++i) {
    // The lanes' arithmetic, one row at a time.
    for (int j = 0; j < N; ++j) {
      float s = 0.f;
      for (int p = 0; p < kc; ++p) {
        s = std::fma(A[(long)p * lda + i], col[j][p], s);
      }
      float* c = C + (long)i * ldc + j;
      *c = add ? *c + s : s;
    }
  }
}
#else
float dot(const float* __restrict a, const float* __restrict b, int n) {
  float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int k = 0; k < 8; ++k) s[k] += a[i + k] * b[i + k];
  }
  float t = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
  for (; i < n; ++i) t += a[i] * b[i];
  return t;
}

// The portable path: the compiler vectorises the inner loops.
void narrow_portable(bool ta, int M, int N, const float* A, int lda,
                     const float (*col)[KC], int kc, float* C, int ldc,
                     bool add) {
  for (int i = 0; i < M; ++i) {
    for (int j = 0; j < N; ++j) {
      float s = 0.f;
      if (!ta) {
        s = dot(A + (long)i * lda, col[j], kc);
      } else {
        for (int p = 0; p < kc; ++p) s += A[(long)p * lda + i] * col[j][p];
      }
      float* c = C + (long)i * ldc + j;
      *c = add ? *c + s : s;
    }
  }
}
#endif

void gemm_narrow(bool ta, bool tb, int M, int N, int K, const float* A,
                 int lda, const float* B, int ldb, float* C, int ldc,
                 bool acc) {
  // Column j of op(B), contiguous.
  alignas(32) float col[8][KC];
  for (int p0 = 0; p0 < K; p0 += KC) {
    const int kc = std::min(KC, K - p0);
    const bool add = acc || p0 > 0;
    for (int j = 0; j < N; ++j) {
      for (int p = 0; p < kc; ++p) {
        col[j][p] = tb ? B[(long)j * ldb + p0 + p] : B[(long)(p0 + p) * ldb + j];
      }
    }
    // A's block for this range of K.
    const float* a = ta ? A + (long)p0 * lda : A + p0;
#ifdef MS_AVX2
    switch (N) {
      case 1: narrow_block<1>(ta, M, a, lda, col, kc, C, ldc, add); break;
      case 2: narrow_block<2>(ta, M, a, lda, col, kc, C, ldc, add); break;
      case 3: narrow_block<3>(ta, M, a, lda, col, kc, C, ldc, add); break;
      case 4: narrow_block<4>(ta, M, a, lda, col, kc, C, ldc, add); break;
      case 5: narrow_block<5>(ta, M, a, lda, col, kc, C, ldc, add); break;
      case 6: narrow_block<6>(ta, M, a, lda, col, kc, C, ldc, add); break;
      default: narrow_block<7>(ta, M, a, lda, col, kc, C, ldc, add); break;
    }
#else
    narrow_portable(ta, M, N, a, lda, col, kc, C, ldc, add);
#endif
  }
}

bool is_narrow(int N) { return N * 2 < NR && N <= 8; }

// sgemm_serial; `narrow` picks gemm_narrow's summation order for narrow
// products. A slab of a product split over threads follows the whole
// product's choice, so that every entry of C gets the same bits on any
// number of threads.
void sgemm_block(bool ta, bool tb, int M, int N, int K, const float* A,
                 int lda, const float* B, int ldb, float* C, int ldc,
                 bool accumulate, bool narrow) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (!accumulate) {
      for (int i = 0; i < M; ++i) std::memset(C + (long)i * ldc, 0, 4L * N);
    }
    return;
  }
  if (narrow) {
    gemm_narrow(ta, tb, M, N, K, A, lda, B, ldb, C, ldc, accumulate);
    return;
  }
  Buffers& buf = buffers();
  // Small products (a toy GAN's 256 x 128 x 128 layers) read op(A) in
  // place: packing it cost about a tenth of their time, and an A of up
  // to 256 KB stays in L2 as it is. (B is always packed: its rows, one
  // power-of-two stride apart, would fall in a few L1 sets.)
  const bool direct = (long)M * K <= 65536;
  for (int jc = 0; jc < N; jc += NC) {
    int nc = std::min(NC, N - jc);
    for (int pc = 0; pc < K; pc += KC) {
      int kc = std::min(KC, K - pc);
      bool acc = accumulate || pc > 0;
      pack_b(tb, B, ldb, pc, kc, jc, nc, buf.b);
      if (direct) {
        // op(A) read in place: no MC blocks, no packing (but of a last
        // strip of fewer than MR rows, whose missing rows must read as 0).
        for (int js = 0; js < nc; js += NR) {
          const int nr = std::min(NR, nc - js);
          const float* bs = buf.b + (long)js * kc;
          float* Cj = C + jc + js;
          int is = 0;
          for (; is + MR <= M; is += MR) {
            if (ta) {
              micro(kc, ColsA{A + (long)pc * lda + is, lda}, bs,
                    Cj + (long)is * ldc, ldc, MR, nr, acc);
            } else {
              RowsA ra;
              for (int r = 0; r < MR; ++r) {
                ra.rows[r] = A + (long)(is + r) * lda + pc;
              }
              micro(kc, ra, bs, Cj + (long)is * ldc, ldc, MR, nr, acc);
            }
          }
          if (is < M) {
            if (js == 0) pack_a(ta, A, lda, is, M - is, pc, kc, buf.a);
            micro(kc, PackedA{buf.a}, bs, Cj + (long)is * ldc, ldc, M - is,
                  nr, acc);
          }
        }
        continue;
      }
      for (int ic = 0; ic < M; ic += MC) {
        int mc = std::min(MC, M - ic);
        pack_a(ta, A, lda, ic, mc, pc, kc, buf.a);
        for (int js = 0; js < nc; js += NR) {
          int nr = std::min(NR, nc - js);
          for (int is = 0; is < mc; is += MR) {
            int mr = std::min(MR, mc - is);
            micro(kc, PackedA{buf.a + (long)is * kc}, buf.b + (long)js * kc,
                  C + (long)(ic + is) * ldc + jc + js, ldc, mr, nr, acc);
          }
        }
      }
    }
  }
}

}  // namespace

void sgemm_serial(bool ta, bool tb, int M, int N, int K, const float* A,
                  int lda, const float* B, int ldb, float* C, int ldc,
                  bool accumulate) {
  sgemm_block(ta, tb, M, N, K, A, lda, B, ldb, C, ldc, accumulate,
              is_narrow(N));
}

void sgemm(bool ta, bool tb, int M, int N, int K, const float* A, int lda,
           const float* B, int ldb, float* C, int ldc, bool accumulate) {
  int t = num_threads();
  double flops = 2.0 * M * N * K;
  if (t == 1 || flops < 200000.0) {
    sgemm_serial(ta, tb, M, N, K, A, lda, B, ldb, C, ldc, accumulate);
    return;
  }
  // Split the larger of M and N into one slab per thread, in whole
  // micro-tiles; each thread packs its own operands (duplicating the
  // packing of the shared one, which costs O(K (M + N)) against O(MNK)).
  if (M >= N || N < 2 * NR) {
    int per = ((M + t - 1) / t + MR - 1) / MR * MR;
    parallel_run(t, [&](int i) {
      int i0 = i * per, m = std::min(M - i0, per);
      if (m <= 0) return;
      const float* a = ta ? A + i0 : A + (long)i0 * lda;
      sgemm_serial(ta, tb, m, N, K, a, lda, B, ldb, C + (long)i0 * ldc, ldc,
                   accumulate);
    });
  } else {
    int per = ((N + t - 1) / t + NR - 1) / NR * NR;
    parallel_run(t, [&](int i) {
      int j0 = i * per, n = std::min(N - j0, per);
      if (n <= 0) return;
      const float* b = tb ? B + (long)j0 * ldb : B + j0;
      sgemm_block(ta, tb, M, n, K, A, lda, b, ldb, C + j0, ldc, accumulate,
                  is_narrow(N));
    });
  }
}

void sgemm_ref(bool ta, bool tb, int M, int N, int K, const float* A,
               int lda, const float* B, int ldb, float* C, int ldc,
               bool accumulate) {
  for (int i = 0; i < M; ++i) {
    for (int j = 0; j < N; ++j) {
      double s = 0;
      for (int p = 0; p < K; ++p) {
        float a = ta ? A[(long)p * lda + i] : A[(long)i * lda + p];
        float b = tb ? B[(long)j * ldb + p] : B[(long)p * ldb + j];
        s += (double)a * b;
      }
      float* c = C + (long)i * ldc + j;
      *c = accumulate ? *c + (float)s : (float)s;
    }
  }
}

void sgemm_batched(bool ta, bool tb, int batch, int M, int N, int K,
                   const float* A, long strideA, const float* B,
                   long strideB, float* C) {
  int lda = ta ? M : K, ldb = tb ? K : N;
  long strideC = (long)M * N;
  int t = num_threads();
  double flops = 2.0 * M * N * K;
  // Many small products: one thread per group of whole products.
  if (batch >= t && t > 1 && flops < 4e6) {
    parallel_for(batch, 1, flops, [&](long b0, long b1) {
      for (long b = b0; b < b1; ++b) {
        sgemm_serial(ta, tb, M, N, K, A + b * strideA, lda, B + b * strideB,
                     ldb, C + b * strideC, N, false);
      }
    });
    return;
  }
  for (int b = 0; b < batch; ++b) {
    sgemm(ta, tb, M, N, K, A + b * strideA, lda, B + b * strideB, ldb,
          C + b * strideC, N, false);
  }
}

void bias_act_rows(float* __restrict C, long rows, int N,
                   const float* __restrict bias, int biasLen, int act,
                   float alpha) {
  for (long i = 0; i < rows; ++i) {
    float* __restrict c = C + i * N;
    if (bias && biasLen == N) {
      for (int j = 0; j < N; ++j) c[j] += bias[j];
    } else if (bias && biasLen == 1) {
      const float b0 = bias[0];
      for (int j = 0; j < N; ++j) c[j] += b0;
    }
    switch (act) {
      case kLinear: break;
      case kRelu:
        for (int j = 0; j < N; ++j) c[j] = c[j] > 0.f ? c[j] : 0.f;
        break;
      case kLeaky:
        for (int j = 0; j < N; ++j) c[j] *= c[j] > 0.f ? 1.f : alpha;
        break;
      default:
        for (int j = 0; j < N; ++j) c[j] = act_fwd(act, c[j], alpha);
    }
  }
}

void bias_act(float* C, int M, int N, const float* bias, int biasLen,
              int act, float alpha) {
  parallel_for(M, 1, (double)N * (act >= kElu ? 8 : 1),
               [=](long r0, long r1) {
    bias_act_rows(C + r0 * N, r1 - r0, N, bias, biasLen, act, alpha);
  });
}

}  // namespace ms
