// Threads lent to synchronous providers while they block. Grows on demand up to a cap (so a host
// that only runs asynchronous providers starts no thread at all) and never runs more tasks at
// once than it has threads; the dispatcher's per-provider limits keep the queue short.
//
// A provider's stop() is third-party code that may never return (it ignores its deadline and
// cancellation). So the pool is never joined without a bound: shut_down() waits until a given
// time, then detaches what still runs. A detached thread keeps the pool's shared state (and
// whatever its task captured) alive until it returns.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace stopd::core {

class BlockingPool {
 public:
  explicit BlockingPool(unsigned max_threads);
  ~BlockingPool();  // shut_down() with no time left, if it was not called
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  // False (and `task` is not run) once shut_down() has begun.
  [[nodiscard]] bool post(std::function<void()> task);

  // Runs what is queued; waits until every thread has returned or `until`, whichever comes
  // first. Returns how many threads were still running a task then: they are detached.
  std::size_t shut_down(std::chrono::steady_clock::time_point until);

 private:
  struct Shared {
    std::mutex mutex;
    std::condition_variable wake;    // a task is queued, or stopping
    std::condition_variable exited;  // a thread left work()
    std::deque<std::function<void()>> queue;
    unsigned idle = 0;
    unsigned running = 0;  // threads inside work()
    bool stopping = false;
  };
  static void work(const std::shared_ptr<Shared>& shared);

  const unsigned max_threads_;
  std::shared_ptr<Shared> shared_ = std::make_shared<Shared>();
  std::vector<std::thread> threads_;  // guarded by shared_->mutex
  bool shut_down_ = false;
};

}  // namespace stopd::core
