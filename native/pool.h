// A tiny persistent thread pool for the addon's kernels.
//
// The machine modescope targets has few cores (2 on the reference box), and
// kernels are short (tens of microseconds), so the pool is one worker per
// extra core that spins briefly before sleeping: waking a sleeping thread
// costs ~10-50 us, more than many whole kernels. The calling (JS) thread
// always runs task 0 itself, so a 2-core machine has exactly one worker and
// never oversubscribes.
#pragma once
#include <functional>

namespace ms {

/** Number of threads kernels may use (the JS thread included). */
int num_threads();
/** Sets the thread count (1..hardware); returns the count in effect. */
int set_num_threads(int n);

/**
 * Runs fn(t) for t in [0, tasks) across the pool and returns when all are
 * done. Tasks are claimed by whichever thread is free, the calling thread
 * included, so a task may run on any of them (and all of them on the
 * caller when the workers are late); at most 65535 tasks.
 */
void parallel_run(int tasks, const std::function<void(int)>& fn);

/**
 * Splits [0, n) into num_threads() contiguous chunks, each a multiple of
 * `grain` (the last excepted), and runs fn(begin, end) on each; runs
 * serially when n * cost_per_item is below the threading break-even.
 */
void parallel_for(long n, long grain, double cost_per_item,
                  const std::function<void(long, long)>& fn);

}  // namespace ms
