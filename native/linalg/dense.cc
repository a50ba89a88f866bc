// Cholesky, the triangular congruence L^T S L, and the symmetric
// eigenvalue solver of modescope_linalg, on top of gemm.cc.
//
// The eigen solver is the classic pair: Householder reduction to a
// tridiagonal matrix (as LAPACK's dsytd2 with uplo 'L'), then implicit QL
// with shifts (Wilkinson and Reinsch's tql2, the same iteration as the JS
// twin in src/linalg/eigh.ts). Eigenvectors cost a second pass that forms
// Q and the QL rotations applied to it (about 6 d^3 flops), so they are
// computed only when asked for.
//
// Dimension legend: d the order of the matrix; i rows, j columns, k the
// step of a reduction; p the reduced index of a product.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <numeric>
#include <vector>

#include "kernels.h"
#include "simd.h"

namespace linalg {

namespace {

// sum_p x[p] y[p], four lanes at a time (the compiler may not reorder a
// floating-point sum by itself).
double Dot(const double* x, const double* y, int n) {
  v4d acc = {0, 0, 0, 0};
  int p = 0;
  for (; p + 4 <= n; p += 4) acc += Load(x + p) * Load(y + p);
  double s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
  for (; p < n; ++p) s += x[p] * y[p];
  return s;
}

constexpr int kBlock = 96;  // rows per task of the blocked routines
constexpr int kRotSlice = 256;  // columns per task of the QL rotations

// Below this many trailing rows a sweep runs on one thread: starting
// threads costs more than the sweep.
constexpr int kParallelRows = 384;

// Rows [i0, i1) of the fused sweep of Tridiagonalize at step k: each entry
// (i, j), k < j <= i, gets the pending update a -= vp w^T + wp v^T, and
// p += A v is accumulated (p[i] from the row, p[j] from its mirror).
void SweepRows(double* a, int d, int k, int i0, int i1, const double* vp,
               const double* wp, const double* v, double* p) {
  for (int i = i0; i < i1; ++i) {
    double* row = a + size_t(i) * d;
    const double vpi = vp[i], wpi = wp[i], vi = v[i];
    v4d acc = {0, 0, 0, 0};
    int j = k + 1;
    for (; j + 4 <= i; j += 4) {
      const v4d x = Load(row + j) - (vpi * Load(wp + j) + wpi * Load(vp + j));
      Store(row + j, x);
      acc += x * Load(v + j);
      Store(p + j, Load(p + j) + vi * x);
    }
    double dot = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (; j < i; ++j) {
      const double x = row[j] - (vpi * wp[j] + wpi * vp[j]);
      row[j] = x;
      dot += x * v[j];
      p[j] += vi * x;
    }
    const double x = row[i] - 2.0 * vpi * wpi;
    row[i] = x;
    p[i] += dot + x * vi;
  }
}

// Householder reduction of the symmetric a[d, d] (lower triangle) to
// tridiagonal form: diag[d], off[d - 1] (off[k] couples k and k + 1).
// Step k's reflector H_k = I - tau[k] v v^T, v[k + 1] = 1, is left in
// column k below the subdiagonal for FormQ.
//
// Each step must update the trailing matrix with the previous reflector
// (A -= v w^T + w v^T) and then multiply it by the new one (p = A v); the
// two are fused into one sweep over the trailing triangle, which halves
// the memory traffic of this bandwidth-bound loop.
void Tridiagonalize(double* a, int d, double* diag, double* off,
                    double* tau) {
  std::vector<double> v(d + 4, 0.0), vp(d + 4, 0.0), wp(d + 4, 0.0),
      p(d + 4, 0.0);
  const int threads = NumThreads();
  std::vector<std::vector<double>> scratch(threads);
  if (d >= kParallelRows) {
    for (int t = 1; t < threads; ++t) scratch[t].assign(d + 4, 0.0);
  }
  for (int k = 0; k < d; ++k) {
    // Column k (rows >= k) gets the pending update first: the reflector
    // of this step is built from it.
    const double vk = vp[k], wk = wp[k];
    for (int i = k; i < d; ++i) {
      a[size_t(i) * d + k] -= vp[i] * wk + wp[i] * vk;
    }
    diag[k] = a[size_t(k) * d + k];
    if (k == d - 1) break;
    const double alpha = a[size_t(k + 1) * d + k];
    double sigma = 0.0;
    for (int i = k + 2; i < d; ++i) {
      const double x = a[size_t(i) * d + k];
      sigma += x * x;
    }
    double t = 0.0, beta = alpha;
    std::fill(v.begin() + k + 1, v.end(), 0.0);
    if (sigma > 0.0) {
      beta = -std::copysign(std::sqrt(alpha * alpha + sigma), alpha);
      t = (beta - alpha) / beta;
      const double scale = 1.0 / (alpha - beta);
      v[k + 1] = 1.0;
      for (int i = k + 2; i < d; ++i) {
        v[i] = a[size_t(i) * d + k] * scale;
        a[size_t(i) * d + k] = v[i];
      }
    }
    off[k] = beta;
    tau[k] = t;
    a[size_t(k + 1) * d + k] = beta;
    // One sweep over rows i > k, columns k < j <= i: apply the pending
    // update, and accumulate p = A v from both triangles. Large trailing
    // matrices split their rows over threads in parts of equal area; each
    // part scatters into its own p buffer, summed afterwards.
    const int rows = d - k - 1;
    const int parts = rows >= kParallelRows ? threads : 1;
    auto bound = [&](int q) {
      return q == parts ? d : k + 1 + int(rows * std::sqrt(double(q) / parts));
    };
    // p is the sum of every part's buffer: it must be zero past part 0's
    // rows too.
    std::fill(p.begin() + k + 1, p.end(), 0.0);
    ParallelTasks(parts, [&](int q) {
      double* pq = q == 0 ? p.data() : scratch[q].data();
      if (q > 0) std::fill(pq + k + 1, pq + bound(q + 1), 0.0);
      SweepRows(a, d, k, bound(q), bound(q + 1), vp.data(), wp.data(),
                v.data(), pq);
    });
    for (int q = 1; q < parts; ++q) {
      const double* pq = scratch[q].data();
      for (int j = k + 1; j < bound(q + 1); ++j) p[j] += pq[j];
    }
    // Next pending update: w = tau p - (tau^2 / 2)(p . v) v.
    std::fill(vp.begin() + k, vp.end(), 0.0);
    std::fill(wp.begin() + k, wp.end(), 0.0);
    if (t != 0.0) {
      double pv = 0.0;
      for (int i = k + 1; i < d; ++i) pv += p[i] * v[i];
      const double h = 0.5 * t * t * pv;
      for (int i = k + 1; i < d; ++i) {
        vp[i] = v[i];
        wp[i] = t * p[i] - h * v[i];
      }
    }
  }
  if (d > 0) off[d - 1] = 0.0;
}

// q[d, d] = H_0 H_1 ... H_{d-2} from the reflectors Tridiagonalize left
// in a, accumulated backwards so each H_k touches only q[k+1:, k+1:].
void FormQ(const double* a, int d, const double* tau, double* q) {
  std::fill(q, q + size_t(d) * d, 0.0);
  for (int i = 0; i < d; ++i) q[size_t(i) * d + i] = 1.0;
  std::vector<double> v(d), w(d);
  for (int k = d - 2; k >= 0; --k) {
    const double t = tau[k];
    if (t == 0.0) continue;
    v[k + 1] = 1.0;
    for (int i = k + 2; i < d; ++i) v[i] = a[size_t(i) * d + k];
    std::fill(w.begin() + k + 1, w.end(), 0.0);
    for (int i = k + 1; i < d; ++i) {
      const double* row = q + size_t(i) * d;
      const double vi = v[i];
      for (int j = k + 1; j < d; ++j) w[j] += vi * row[j];
    }
    for (int i = k + 1; i < d; ++i) {
      double* row = q + size_t(i) * d;
      const double s = t * v[i];
      for (int j = k + 1; j < d; ++j) row[j] -= s * w[j];
    }
  }
}

// Implicit QL on the tridiagonal (diag, off); when zt is non-null its
// rows (the transposed eigenvector matrix) are rotated along, so that the
// rotations touch contiguous memory. False if an eigenvalue needs more
// than 60 iterations (tql2 allows 30; cubic convergence needs ~2).
bool TridiagonalQL(double* diag, double* off, int d, double* zt) {
  double f = 0.0, tst1 = 0.0;
  const double eps = DBL_EPSILON;
  double* e = off;
  // The cosines and sines of one sweep, applied to zt after it.
  std::vector<double> rc(d), rs(d);
  for (int l = 0; l < d; ++l) {
    tst1 = std::max(tst1, std::fabs(diag[l]) + std::fabs(e[l]));
    int m = l;
    while (m < d - 1 && std::fabs(e[m]) > eps * tst1) ++m;
    if (m > l) {
      int iter = 0;
      do {
        if (++iter > 60) return false;
        double g = diag[l];
        double p = (diag[l + 1] - g) / (2.0 * e[l]);
        double r = std::hypot(p, 1.0);
        if (p < 0) r = -r;
        diag[l] = e[l] / (p + r);
        diag[l + 1] = e[l] * (p + r);
        const double dl1 = diag[l + 1];
        double h = g - diag[l];
        for (int i = l + 2; i < d; ++i) diag[i] -= h;
        f += h;
        p = diag[m];
        double c = 1.0, c2 = 1.0, c3 = 1.0, s = 0.0, s2 = 0.0;
        const double el1 = e[l + 1];
        for (int i = m - 1; i >= l; --i) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = std::hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * diag[i] - s * g;
          diag[i + 1] = h + s * (c * g + s * diag[i]);
          rc[i] = c;
          rs[i] = s;
        }
        if (zt) {
          // The sweep's rotations act on rows m-1..l of zt in turn, but
          // its columns are independent: column slices go to threads, and
          // each slice stays in cache for the whole sweep.
          const int slices = (d + kRotSlice - 1) / kRotSlice;
          ParallelTasks(slices, [&](int t) {
            const int q0 = t * kRotSlice, q1 = std::min(d, q0 + kRotSlice);
            for (int i = m - 1; i >= l; --i) {
              double* z0 = zt + size_t(i) * d;
              double* z1 = z0 + d;
              const double ci = rc[i], si = rs[i];
              for (int q = q0; q < q1; ++q) {
                const double hq = z1[q];
                z1[q] = si * z0[q] + ci * hq;
                z0[q] = ci * z0[q] - si * hq;
              }
            }
          });
        }
        p = -s * s2 * c3 * el1 * e[l] / dl1;
        e[l] = s * p;
        diag[l] = c * p;
      } while (std::fabs(e[l]) > eps * tst1);
    }
    diag[l] += f;
    e[l] = 0.0;
  }
  return true;
}

}  // namespace

bool Cholesky(double* a, int d, double tol) {
  constexpr int kNB = 128;
  for (int k0 = 0; k0 < d; k0 += kNB) {
    const int k1 = std::min(d, k0 + kNB);
    // The diagonal block, unblocked (columns before k0 are already
    // subtracted by the trailing updates of earlier blocks).
    for (int i = k0; i < k1; ++i) {
      double* ri = a + size_t(i) * d;
      for (int j = k0; j <= i; ++j) {
        const double* rj = a + size_t(j) * d;
        const double s = ri[j] - Dot(ri + k0, rj + k0, j - k0);
        if (j < i) {
          ri[j] = s / rj[j];
        } else if (s > tol && std::isfinite(s)) {
          ri[i] = std::sqrt(s);
        } else {
          return false;
        }
      }
    }
    if (k1 == d) break;
    // The panel below it: a triangular solve x L11^T = a[i, k0:k1] per
    // row, rows independent.
    const int rows = d - k1;
    ParallelTasks((rows + kBlock - 1) / kBlock, [&](int t) {
      const int i1 = std::min(d, k1 + (t + 1) * kBlock);
      for (int i = k1 + t * kBlock; i < i1; ++i) {
        double* ri = a + size_t(i) * d;
        for (int j = k0; j < k1; ++j) {
          const double* rj = a + size_t(j) * d;
          ri[j] = (ri[j] - Dot(ri + k0, rj + k0, j - k0)) / rj[j];
        }
      }
    });
    // Trailing update of the lower triangle: A22 -= L21 L21^T, by block
    // rows (the diagonal blocks also write a little above the diagonal,
    // which is never read).
    const int kb = k1 - k0;
    ParallelTasks((rows + kBlock - 1) / kBlock, [&](int t) {
      const int i0 = k1 + t * kBlock;
      const int ib = std::min(kBlock, d - i0);
      GemmNT(ib, i0 + ib - k1, kb, -1.0, a + size_t(i0) * d + k0, d,
             a + size_t(k1) * d + k0, d, 1.0, a + size_t(i0) * d + k1, d);
    });
  }
  return true;
}

void CongruenceLowerT(const double* l, const double* s, double* m, int d) {
  // lt = L^T with explicit zeros below its diagonal.
  std::vector<double> lt(size_t(d) * d, 0.0), tt(size_t(d) * d);
  for (int i = 0; i < d; ++i) {
    for (int p = i; p < d; ++p) lt[size_t(i) * d + p] = l[size_t(p) * d + i];
  }
  const int tasks = (d + kBlock - 1) / kBlock;
  // tt = (S L)^T = L^T S: row j of L^T is zero before column j, so block
  // row [j0, j0 + jb) only needs the products over p >= j0.
  ParallelTasks(tasks, [&](int t) {
    const int j0 = t * kBlock;
    GemmNT(std::min(kBlock, d - j0), d, d - j0, 1.0,
           lt.data() + size_t(j0) * d + j0, d, s + j0, d, 0.0,
           tt.data() + size_t(j0) * d, d);
  });
  // m = L^T (S L): the upper triangle only (m is symmetric), again from
  // p >= i0.
  ParallelTasks(tasks, [&](int t) {
    const int i0 = t * kBlock;
    GemmNT(std::min(kBlock, d - i0), d - i0, d - i0, 1.0,
           lt.data() + size_t(i0) * d + i0, d,
           tt.data() + size_t(i0) * d + i0, d, 0.0, m + size_t(i0) * d + i0,
           d);
  });
  MirrorUpper(m, d);
}

bool SymmetricEigen(double* a, int d, double* values, double* vectors) {
  if (d == 0) return true;
  std::vector<double> diag(d), off(d), tau(d);
  Tridiagonalize(a, d, diag.data(), off.data(), tau.data());
  std::vector<double> zt;
  if (vectors) {
    // zt = Q^T: QL rotates the columns of Q, i.e. the rows of Q^T.
    std::vector<double> q(size_t(d) * d);
    FormQ(a, d, tau.data(), q.data());
    zt.resize(size_t(d) * d);
    for (int i = 0; i < d; ++i) {
      for (int j = 0; j < d; ++j) zt[size_t(j) * d + i] = q[size_t(i) * d + j];
    }
  }
  if (!TridiagonalQL(diag.data(), off.data(), d,
                     vectors ? zt.data() : nullptr)) {
    return false;
  }
  std::vector<int> order(d);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int x, int y) { return diag[x] < diag[y]; });
  for (int j = 0; j < d; ++j) values[j] = diag[order[j]];
  if (vectors) {
    for (int j = 0; j < d; ++j) {
      const double* z = zt.data() + size_t(order[j]) * d;
      for (int i = 0; i < d; ++i) vectors[size_t(i) * d + j] = z[i];
    }
  }
  return true;
}

}  // namespace linalg
