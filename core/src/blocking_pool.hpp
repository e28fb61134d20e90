// Threads lent to synchronous providers while they block. Grows on demand up to a cap (so a host
// that only runs asynchronous providers starts no thread at all) and never runs more tasks at
// once than it has threads; the dispatcher's per-provider limits keep the queue short.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace stopd::core {

class BlockingPool {
 public:
  explicit BlockingPool(unsigned max_threads);
  ~BlockingPool();  // runs what is queued, then joins
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  void post(std::function<void()> task);

 private:
  void work();

  const unsigned max_threads_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  std::vector<std::thread> threads_;
  unsigned idle_ = 0;
  bool stopping_ = false;
};

}  // namespace stopd::core
