// Packed float64 GEMM in the layout of Goto and van de Geijn, "Anatomy of
// high-performance matrix multiplication" (ACM TOMS 2008): a kc x nc
// panel of B is packed once and stays in L3, an mc x kc block of A is
// packed into L2, and a kMR x kNR register tile of C is accumulated by
// the micro-kernel from kc-long slivers that stream through L1.
//
// The micro-kernel is written with GCC/Clang vector extensions: with
// -march=native on an AVX2/FMA machine each v4d is one ymm register and
// `acc += a * b` one vfmadd (binding.gyp passes -ffp-contract=fast);
// elsewhere the compiler lowers the same code to SSE2 or scalars.
//
// Dimension legend: m, n rows of C's two operands, k the reduced
// dimension; mc, nc, kc block sizes; kMR x kNR the register tile.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "kernels.h"
#include "simd.h"

namespace linalg {

namespace {

constexpr int kMR = 6;    // 6 x 8 tile: 12 ymm accumulators + 2 + 1.
constexpr int kNR = 8;
constexpr int kMC = 96;   // A block: 96 x 256 x 8 B = 192 KiB (L2 1 MiB).
constexpr int kKC = 256;  // B sliver: 256 x 8 x 8 B = 16 KiB (L1 64 KiB).
constexpr int kNC = 2048; // B panel: 256 x 2048 x 8 B = 4 MiB (L3 8 MiB).

// tile[kMR][kNR] = sum_p ap[p][r] * bp[p][s] over kb steps; ap and bp are
// packed slivers (kMR resp. kNR values per step).
void MicroKernel(int kb, const double* ap, const double* bp, double* tile) {
  v4d c00 = {0, 0, 0, 0}, c01 = c00, c10 = c00, c11 = c00, c20 = c00,
      c21 = c00, c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00,
      c51 = c00;
  for (int p = 0; p < kb; ++p) {
    const v4d b0 = Load(bp);
    const v4d b1 = Load(bp + 4);
    double a = ap[0];
    c00 += a * b0;
    c01 += a * b1;
    a = ap[1];
    c10 += a * b0;
    c11 += a * b1;
    a = ap[2];
    c20 += a * b0;
    c21 += a * b1;
    a = ap[3];
    c30 += a * b0;
    c31 += a * b1;
    a = ap[4];
    c40 += a * b0;
    c41 += a * b1;
    a = ap[5];
    c50 += a * b0;
    c51 += a * b1;
    ap += kMR;
    bp += kNR;
  }
  Store(tile + 0, c00);
  Store(tile + 4, c01);
  Store(tile + 8, c10);
  Store(tile + 12, c11);
  Store(tile + 16, c20);
  Store(tile + 20, c21);
  Store(tile + 24, c30);
  Store(tile + 28, c31);
  Store(tile + 32, c40);
  Store(tile + 36, c41);
  Store(tile + 40, c50);
  Store(tile + 44, c51);
}

// Packs rows [0, rows) x columns [0, kb) of x (row stride ld) into slivers
// of `width` rows, each stored step-major: out[s][p][r] = scale *
// x[s * width + r][p]; rows past the end are zero so the kernel needs no
// edge cases.
template <typename T>
void Pack(const T* x, int ld, int rows, int kb, int width, double scale,
          double* out) {
  for (int s0 = 0; s0 < rows; s0 += width) {
    const int w = std::min(width, rows - s0);
    for (int p = 0; p < kb; ++p) {
      for (int r = 0; r < w; ++r) {
        out[p * width + r] = scale * double(x[size_t(s0 + r) * ld + p]);
      }
      for (int r = w; r < width; ++r) out[p * width + r] = 0.0;
    }
    out += size_t(kb) * width;
  }
}

inline int RoundUp(int x, int to) { return (x + to - 1) / to * to; }

}  // namespace

int NumThreads() {
  static const int n = [] {
    const char* env = std::getenv("MODESCOPE_THREADS");
    int v = env ? std::atoi(env) : 0;
    if (v <= 0) v = static_cast<int>(std::thread::hardware_concurrency());
    return std::max(1, std::min(v, 64));
  }();
  return n;
}

namespace {

// A persistent pool of NumThreads() - 1 workers. A job's tasks are
// claimed one at a time through `claim`, whose high 32 bits hold the
// job's epoch and low 32 bits the next task index: a worker that wakes
// after its job ended (or during a later one) fails the epoch check and
// claims nothing. The caller takes tasks too and then waits only for
// tasks already claimed, never for a worker to wake up: on a machine
// with more runnable threads than cores, a worker can sleep for a whole
// time slice, and per-step joins (2048 of them in the Householder
// reduction) would each wait for it.
class Pool {
 public:
  explicit Pool(int workers) {
    for (int i = 0; i < workers; ++i) {
      std::thread([this] { Work(); }).detach();
    }
  }

  // Runs fn(0 .. count - 1); false (nothing run) when the pool is busy
  // with another caller's job.
  bool Run(int count, const std::function<void(int)>& fn) {
    std::unique_lock<std::mutex> busy(run_, std::try_to_lock);
    if (!busy.owns_lock()) return false;
    uint64_t epoch;
    {
      std::lock_guard<std::mutex> lock(mu_);
      epoch = ++epoch_;
      fn_ = &fn;
      count_ = count;
      done_.store(0);
      claim_.store(epoch << 32);
    }
    cv_.notify_all();
    Drain(epoch, count, &fn);
    while (done_.load(std::memory_order_acquire) < count) {
      std::this_thread::yield();
    }
    return true;
  }

 private:
  // Claims and runs tasks of job `epoch` until none are left.
  void Drain(uint64_t epoch, int count, const std::function<void(int)>* fn) {
    for (;;) {
      uint64_t c = claim_.load();
      do {
        if ((c >> 32) != epoch || int(c & 0xffffffffu) >= count) return;
      } while (!claim_.compare_exchange_weak(c, c + 1));
      (*fn)(int(c & 0xffffffffu));
      done_.fetch_add(1, std::memory_order_release);
    }
  }

  void Work() {
    in_pool = true;
    uint64_t seen = 0;
    for (;;) {
      const std::function<void(int)>* fn;
      int count;
      uint64_t epoch;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return epoch_ != seen; });
        seen = epoch = epoch_;
        fn = fn_;
        count = count_;
      }
      // fn is alive while a task of this epoch is unclaimed or running:
      // the caller waits for every claimed task before returning.
      Drain(epoch, count, fn);
    }
  }

  std::mutex run_, mu_;
  std::condition_variable cv_;
  uint64_t epoch_ = 0;
  const std::function<void(int)>* fn_ = nullptr;
  int count_ = 0;
  std::atomic<uint64_t> claim_{0};
  std::atomic<int> done_{0};

 public:
  static thread_local bool in_pool;
};

thread_local bool Pool::in_pool = false;

}  // namespace

void ParallelTasks(int count, const std::function<void(int)>& fn) {
  // Never torn down: the detached workers sleep until the process exits.
  static Pool* pool = NumThreads() > 1 ? new Pool(NumThreads() - 1) : nullptr;
  // Nested calls (from a task) and a busy pool run on this thread.
  if (count <= 1 || !pool || Pool::in_pool || !pool->Run(count, fn)) {
    for (int t = 0; t < count; ++t) fn(t);
  }
}

namespace {

// c[mb, nb] (+)= the packed A block [mb, kb] times the packed B panel
// [nb, kb]^T, one register tile at a time; bt scales c first (0: c is
// overwritten).
void MacroKernel(int mb, int nb, int kb, const double* apack,
                 const double* bpack, double bt, double* c, int ldc) {
  alignas(32) double tile[kMR * kNR];
  for (int jr = 0; jr < nb; jr += kNR) {
    const int nr = std::min(kNR, nb - jr);
    const double* bp = bpack + size_t(jr) * kb;
    for (int ir = 0; ir < mb; ir += kMR) {
      const int mr = std::min(kMR, mb - ir);
      MicroKernel(kb, apack + size_t(ir) * kb, bp, tile);
      double* cp = c + size_t(ir) * ldc + jr;
      for (int r = 0; r < mr; ++r) {
        double* row = cp + size_t(r) * ldc;
        const double* t = tile + r * kNR;
        if (bt == 0.0) {
          for (int q = 0; q < nr; ++q) row[q] = t[q];
        } else if (bt == 1.0) {
          for (int q = 0; q < nr; ++q) row[q] += t[q];
        } else {
          for (int q = 0; q < nr; ++q) row[q] = bt * row[q] + t[q];
        }
      }
    }
  }
}

// The GEMM loop nest; with `parallel`, each B panel is packed once by all
// threads together and its mc-row blocks of C are shared out, so no
// thread packs B twice.
template <typename T>
void Gemm(int m, int n, int k, double alpha, const T* a, int lda,
          const T* b, int ldb, double beta, double* c, int ldc,
          bool parallel) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    for (int i = 0; i < m; ++i) {
      for (int j = 0; j < n; ++j) {
        double& cij = c[size_t(i) * ldc + j];
        cij = beta == 0.0 ? 0.0 : beta * cij;
      }
    }
    return;
  }
  const int threads = parallel ? NumThreads() : 1;
  std::vector<double> bpack(size_t(kKC) * RoundUp(std::min(n, kNC), kNR));
  std::vector<std::vector<double>> apack(threads);
  for (auto& ap : apack) {
    ap.resize(size_t(kKC) * RoundUp(std::min(m, kMC), kMR));
  }
  for (int jc = 0; jc < n; jc += kNC) {
    const int nb = std::min(kNC, n - jc);
    const int slivers = (nb + kNR - 1) / kNR;
    for (int pc = 0; pc < k; pc += kKC) {
      const int kb = std::min(kKC, k - pc);
      // Only the first k block scales C by beta; later ones accumulate.
      const double bt = pc == 0 ? beta : 1.0;
      const int blocks = (m + kMC - 1) / kMC;
      auto packB = [&](int s0, int s1) {
        const int r0 = s0 * kNR, r1 = std::min(nb, s1 * kNR);
        Pack(b + size_t(jc + r0) * ldb + pc, ldb, r1 - r0, kb, kNR, 1.0,
             bpack.data() + size_t(r0) * kb);
      };
      auto block = [&](int ib, double* ap) {
        const int ic = ib * kMC;
        const int mb = std::min(kMC, m - ic);
        Pack(a + size_t(ic) * lda + pc, lda, mb, kb, kMR, alpha, ap);
        MacroKernel(mb, nb, kb, ap, bpack.data(), bt,
                    c + size_t(ic) * ldc + jc, ldc);
      };
      if (threads <= 1 || blocks < 2) {
        packB(0, slivers);
        for (int ib = 0; ib < blocks; ++ib) block(ib, apack[0].data());
        continue;
      }
      const int per = (slivers + threads - 1) / threads;
      ParallelTasks(threads, [&](int t) {
        packB(std::min(slivers, t * per), std::min(slivers, (t + 1) * per));
      });
      // Each task owns one A buffer: task t of the pool runs on one
      // thread at a time, so blocks are handed out through an index.
      std::atomic<int> next{0};
      ParallelTasks(threads, [&](int t) {
        for (int ib = next++; ib < blocks; ib = next++) {
          block(ib, apack[t].data());
        }
      });
    }
  }
}

}  // namespace

template <typename T>
void GemmNT(int m, int n, int k, double alpha, const T* a, int lda,
            const T* b, int ldb, double beta, double* c, int ldc) {
  Gemm(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, false);
}

template <typename T>
void GemmNTParallel(int m, int n, int k, double alpha, const T* a, int lda,
                    const T* b, int ldb, double beta, double* c, int ldc) {
  Gemm(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, true);
}

void SyrkUpperNT(int d, int k, double alpha, const double* a, int lda,
                 double beta, double* c, int ldc) {
  // Block rows from the top: the first ones are the longest, so dynamic
  // scheduling hands out the big tasks first and balances the tail.
  const int tasks = (d + kMC - 1) / kMC;
  ParallelTasks(tasks, [&](int t) {
    const int i0 = t * kMC;
    GemmNT(std::min(kMC, d - i0), d - i0, k, alpha, a + size_t(i0) * lda,
           lda, a + size_t(i0) * lda, lda, beta, c + size_t(i0) * ldc + i0,
           ldc);
  });
}

template void GemmNT(int, int, int, double, const double*, int,
                     const double*, int, double, double*, int);
template void GemmNT(int, int, int, double, const float*, int,
                     const float*, int, double, double*, int);
template void GemmNTParallel(int, int, int, double, const double*, int,
                             const double*, int, double, double*, int);
template void GemmNTParallel(int, int, int, double, const float*, int,
                             const float*, int, double, double*, int);

void MirrorUpper(double* a, int d) {
  for (int i = 0; i < d; ++i) {
    for (int j = 0; j < i; ++j) a[size_t(i) * d + j] = a[size_t(j) * d + i];
  }
}

}  // namespace linalg
