#include "pool.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define MS_PAUSE() _mm_pause()
#else
#define MS_PAUSE() ((void)0)
#endif

namespace ms {
namespace {

constexpr long kDefaultSpinUs = 300;

// Work below this many "cost units" (roughly flops) runs on one thread:
// handing a task to the spinning worker costs about 1-2 us.
constexpr double kParallelBreakEven = 100000.0;

// How long an idle worker spins before it sleeps, in microseconds
// (MODESCOPE_SPIN_US overrides it). Between two kernels of a training step
// the JS thread runs tf.js's bookkeeping for tens to hundreds of
// microseconds; a worker that slept meanwhile takes about as long again to
// wake in a VM, and every product split across threads waits for it.
// 300 us covers the gaps of a toy GAN step (T1 of bench:speed: 10% faster
// than with 50 us); a worker left idle burns at most that much once.
long spin_us() {
  static const long us = [] {
    const char* e = std::getenv("MODESCOPE_SPIN_US");
    long v = e ? std::strtol(e, nullptr, 10) : 0;
    return v > 0 ? v : kDefaultSpinUs;
  }();
  return us;
}

struct Pool {
  std::vector<std::thread> workers;
  std::atomic<long> generation{0};
  // The current job: its tasks are claimed one at a time by whoever is
  // free (the calling thread included), through `claim` = (job number <<
  // 16) | next task. A worker that wakes late (its core was busy with
  // another thread: V8's collector, another process) finds every task
  // taken and goes back to waiting, instead of holding up the caller for
  // a scheduler time slice (measured: 4 ms stalls on 2% of calls).
  std::atomic<uint64_t> claim{0};
  std::atomic<int> done{0};
  const std::function<void(int)>* job = nullptr;
  std::atomic<int> job_tasks{0};
  std::mutex mu;
  std::condition_variable cv;
  std::atomic<bool> stop{false};
  int threads = 1;

  // Claims the next task of job `gen`, or returns -1 when there is none.
  int take(uint64_t gen) {
    const int tasks = job_tasks.load(std::memory_order_acquire);
    uint64_t c = claim.load(std::memory_order_acquire);
    for (;;) {
      if ((c >> 16) != gen || (int)(c & 0xffff) >= tasks) return -1;
      if (claim.compare_exchange_weak(c, c + 1, std::memory_order_acq_rel)) {
        return (int)(c & 0xffff);
      }
    }
  }

  // Runs tasks of job `gen` until none is left.
  void work(uint64_t gen) {
    for (int t; (t = take(gen)) >= 0;) {
      (*job)(t);
      done.fetch_add(1, std::memory_order_acq_rel);
    }
  }

  void worker_loop(int /*id*/, long seen) {
    for (;;) {
      // Spin for a short while: consecutive kernels arrive microseconds
      // apart during a training step.
      auto t0 = std::chrono::steady_clock::now();
      int spins = 0;
      while (generation.load(std::memory_order_acquire) == seen &&
             !stop.load(std::memory_order_relaxed)) {
        MS_PAUSE();
        if (++spins % 256 == 0 &&
            std::chrono::steady_clock::now() - t0 >
                std::chrono::microseconds(spin_us())) {
          std::unique_lock<std::mutex> lk(mu);
          cv.wait(lk, [&] {
            return generation.load() != seen || stop.load();
          });
        }
      }
      if (stop.load()) return;
      seen = generation.load(std::memory_order_acquire);
      work((uint64_t)seen & 0xffffffffffffULL);
    }
  }

  void resize(int n) {
    if (n == threads) return;
    shutdown();
    stop = false;
    threads = n;
    // Workers start from the current generation, not 0: a pool resized
    // after jobs ran must not replay the last (finished) job.
    long gen = generation.load();
    for (int i = 1; i < n; ++i) {
      workers.emplace_back([this, i, gen] { worker_loop(i, gen); });
    }
  }

  void shutdown() {
    {
      std::lock_guard<std::mutex> lk(mu);
      stop = true;
    }
    cv.notify_all();
    for (auto& w : workers) w.join();
    workers.clear();
    threads = 1;
  }

  ~Pool() { shutdown(); }
};

Pool& pool() {
  static Pool* p = [] {
    auto* q = new Pool();
    int hw = (int)std::thread::hardware_concurrency();
    q->resize(std::max(1, std::min(hw, 8)));
    return q;
  }();
  return *p;
}

}  // namespace

int num_threads() { return pool().threads; }

int set_num_threads(int n) {
  int hw = std::max(1, (int)std::thread::hardware_concurrency());
  pool().resize(std::max(1, std::min(n, hw)));
  return pool().threads;
}

// Set while a parallel_run is in flight: a nested call (from inside a
// task) or one from another thread (a Node worker using the addon) runs
// serially instead of corrupting the single shared job slot.
std::atomic<bool> g_busy{false};

void parallel_run(int tasks, const std::function<void(int)>& fn) {
  Pool& p = pool();
  if (tasks <= 1 || p.threads == 1 || tasks > 0xffff ||
      g_busy.exchange(true)) {
    for (int t = 0; t < tasks; ++t) fn(t);
    return;
  }
  p.job = &fn;
  p.job_tasks.store(tasks, std::memory_order_release);
  p.done.store(0, std::memory_order_release);
  uint64_t gen;
  {
    std::lock_guard<std::mutex> lk(p.mu);
    gen = (uint64_t)(p.generation.load() + 1) & 0xffffffffffffULL;
    p.claim.store(gen << 16, std::memory_order_release);
    p.generation.fetch_add(1, std::memory_order_acq_rel);
  }
  p.cv.notify_all();
  p.work(gen);
  // Every task is claimed; wait for the ones running elsewhere. Spin
  // briefly, then yield: on a busy machine the worker may be waiting for
  // this very core, and spinning would only delay it.
  int spins = 0;
  while (p.done.load(std::memory_order_acquire) != tasks) {
    if (++spins < 2000) {
      MS_PAUSE();
    } else {
      std::this_thread::yield();
    }
  }
  g_busy.store(false, std::memory_order_release);
}

void parallel_for(long n, long grain, double cost_per_item,
                  const std::function<void(long, long)>& fn) {
  int t = num_threads();
  if (n <= 0) return;
  if (t == 1 || (double)n * cost_per_item < kParallelBreakEven || n <= grain) {
    fn(0, n);
    return;
  }
  long chunks = (n + grain - 1) / grain;
  if (chunks < t) t = (int)chunks;
  long per = (chunks + t - 1) / t * grain;
  parallel_run(t, [&](int i) {
    long b = i * per, e = std::min(n, b + per);
    if (b < e) fn(b, e);
  });
}

}  // namespace ms
