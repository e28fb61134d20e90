#include "blocking_pool.hpp"

namespace stopd::core {

BlockingPool::BlockingPool(unsigned max_threads)
    : max_threads_(max_threads > 0 ? max_threads : 1) {}

BlockingPool::~BlockingPool() {
  if (!shut_down_) shut_down(std::chrono::steady_clock::now());
}

bool BlockingPool::post(std::function<void()> task) {
  {
    std::lock_guard lock(shared_->mutex);
    if (shared_->stopping) return false;
    shared_->queue.push_back(std::move(task));
    // Only grow when every existing thread is busy.
    if (shared_->idle < shared_->queue.size() && threads_.size() < max_threads_) {
      ++shared_->running;
      threads_.emplace_back([shared = shared_] { work(shared); });
      return true;
    }
  }
  shared_->wake.notify_one();
  return true;
}

std::size_t BlockingPool::shut_down(std::chrono::steady_clock::time_point until) {
  shut_down_ = true;
  std::unique_lock lock(shared_->mutex);
  shared_->stopping = true;
  shared_->wake.notify_all();
  shared_->exited.wait_until(lock, until, [this] { return shared_->running == 0; });
  const std::size_t stuck = shared_->running;
  std::vector<std::thread> threads;
  threads.swap(threads_);
  lock.unlock();
  for (auto& thread : threads) {
    // Joining one that is still running would wait on provider code without a bound.
    if (stuck == 0)
      thread.join();
    else
      thread.detach();
  }
  return stuck;
}

void BlockingPool::work(const std::shared_ptr<Shared>& shared) {
  std::unique_lock lock(shared->mutex);
  for (;;) {
    ++shared->idle;
    shared->wake.wait(lock, [&] { return shared->stopping || !shared->queue.empty(); });
    --shared->idle;
    if (shared->queue.empty()) break;  // stopping, and nothing left to run
    auto task = std::move(shared->queue.front());
    shared->queue.pop_front();
    lock.unlock();
    task();
    task = nullptr;  // what it captured goes now, not when the next task comes
    lock.lock();
  }
  --shared->running;
  shared->exited.notify_all();
}

}  // namespace stopd::core
