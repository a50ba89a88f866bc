#include "pool.h"

#include <algorithm>
#include <atomic>
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

// Work below this many "cost units" (roughly flops) runs on one thread:
// handing a task to the spinning worker costs about 1-2 us.
constexpr double kParallelBreakEven = 100000.0;

struct Pool {
  std::vector<std::thread> workers;
  std::atomic<long> generation{0};
  std::atomic<int> pending{0};
  const std::function<void(int)>* job = nullptr;
  int job_tasks = 0;
  std::mutex mu;
  std::condition_variable cv;
  std::atomic<bool> stop{false};
  int threads = 1;

  void worker_loop(int id, long seen) {
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
                std::chrono::microseconds(50)) {
          std::unique_lock<std::mutex> lk(mu);
          cv.wait(lk, [&] {
            return generation.load() != seen || stop.load();
          });
        }
      }
      if (stop.load()) return;
      seen = generation.load(std::memory_order_acquire);
      if (id < job_tasks) (*job)(id);
      pending.fetch_sub(1, std::memory_order_acq_rel);
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
  if (tasks <= 1 || p.threads == 1 || g_busy.exchange(true)) {
    for (int t = 0; t < tasks; ++t) fn(t);
    return;
  }
  p.job = &fn;
  p.job_tasks = tasks;
  p.pending.store(p.threads - 1, std::memory_order_release);
  {
    std::lock_guard<std::mutex> lk(p.mu);
    p.generation.fetch_add(1, std::memory_order_acq_rel);
  }
  p.cv.notify_all();
  fn(0);
  // Tasks beyond the pool size run here, after task 0.
  for (int t = p.threads; t < tasks; ++t) fn(t);
  // Spin briefly, then yield: on a busy machine the worker may be waiting
  // for this very core, and spinning would only delay it.
  int spins = 0;
  while (p.pending.load(std::memory_order_acquire) != 0) {
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
