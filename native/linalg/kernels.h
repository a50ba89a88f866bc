// Float64 dense kernels of modescope_linalg, our own (no BLAS / LAPACK):
// a packed, cache-tiled GEMM, SYRK on top of it, Cholesky, the triangular
// products FID needs, and a symmetric eigenvalue solver.
//
// All matrices are row-major with an explicit leading dimension (ld: the
// distance between rows, in elements).
// Dimension legend: m, n rows of the output; k the reduced dimension;
// d the order of a square matrix.
#ifndef MODESCOPE_LINALG_KERNELS_H_
#define MODESCOPE_LINALG_KERNELS_H_

#include <functional>

namespace linalg {

// Threads the kernels use: MODESCOPE_THREADS when set, else every core.
int NumThreads();

// Runs fn(0) .. fn(count - 1) on the calling thread and a persistent pool
// of NumThreads() - 1 workers, handing out task indices in order (dynamic
// scheduling: a thread that a busy machine slows down takes fewer tasks,
// and the caller never waits for a worker that has not started one).
// fn must not throw. Calls from inside a task run serially.
void ParallelTasks(int count, const std::function<void(int)>& fn);

// c[m, n] = alpha * a[m, k] . b[n, k]^T + beta * c[m, n], i.e. "NT":
// both operands hold the reduced dimension along their rows. With beta
// == 0, c is overwritten (never read). T is double or float; float
// operands are widened to double exactly as they are packed, so float32
// features need no float64 copy. Single-threaded.
template <typename T>
void GemmNT(int m, int n, int k, double alpha, const T* a, int lda,
            const T* b, int ldb, double beta, double* c, int ldc);

// The same, with the rows (or, for wide c, the columns) split over
// threads.
template <typename T>
void GemmNTParallel(int m, int n, int k, double alpha, const T* a, int lda,
                    const T* b, int ldb, double beta, double* c, int ldc);

// Upper triangle (and the diagonal) of c[d, d] = alpha * a[d, k] .
// a[d, k]^T + beta * c; entries below the diagonal blocks are untouched,
// entries below the diagonal inside them may be written. Threaded.
void SyrkUpperNT(int d, int k, double alpha, const double* a, int lda,
                 double beta, double* c, int ldc);

// Copies the upper triangle of a[d, d] onto the lower one.
void MirrorUpper(double* a, int d);

// In-place Cholesky a = L L^T of the symmetric a[d, d] (lower triangle
// read and overwritten by L; the strict upper triangle becomes garbage).
// Returns false when a pivot is not above tol (not positive definite to
// working precision); a is then garbage. Threaded.
bool Cholesky(double* a, int d, double tol);

// m[d, d] = L^T s l for lower-triangular l[d, d] (only its lower triangle
// is read) and symmetric s[d, d], full symmetric output. Uses the
// triangle: about d^3 + 2/3 d^3 flops instead of 4 d^3. Threaded.
void CongruenceLowerT(const double* l, const double* s, double* m, int d);

// Eigen-decomposition of the symmetric a[d, d] (lower triangle read; a is
// destroyed). values[d] ascending. When vectors is non-null, it receives
// [d, d] row-major with column j the unit eigenvector of values[j]
// (numpy.linalg.eigh's layout). Returns false if QL did not converge.
bool SymmetricEigen(double* a, int d, double* values, double* vectors);

}  // namespace linalg

#endif  // MODESCOPE_LINALG_KERNELS_H_
