#include "job_watchers.hpp"

#include <algorithm>

#include "stopd/core/logging.hpp"

namespace stopd::core {

void JobWatcher::deliver_locked(const JobEvent& event) {
  if (!active_.load() || ended_) return;
  if (event.job.is_finished()) ended_ = true;  // the last event a watcher gets
  try {
    callback_(event);
  } catch (const std::exception& e) {
    host_logger()->error("job={} a watcher threw: {}", event.job.id, e.what());
  } catch (...) {
    host_logger()->error("job={} a watcher threw", event.job.id);
  }
}

void JobWatcher::unsubscribe() {
  active_.store(false);
  // Waits for a callback in progress on another thread; re-entered at once on the same one.
  std::lock_guard lock(delivery_);
}

void WatchChannel::post(JobEvent event) {
  std::lock_guard lock(mutex_);
  queue_.push_back(Queued{next_sequence_++, std::move(event)});
}

void WatchChannel::add(std::shared_ptr<JobWatcher> watcher) {
  std::lock_guard lock(mutex_);
  watchers_.push_back(std::move(watcher));
}

bool WatchChannel::remove(const JobWatcher* watcher) {
  std::lock_guard lock(mutex_);
  watchers_.erase(std::remove_if(watchers_.begin(), watchers_.end(),
                                 [&](const auto& each) { return each.get() == watcher; }),
                  watchers_.end());
  return watchers_.empty();
}

void WatchChannel::drain() {
  std::unique_lock lock(mutex_);
  if (draining_) return;  // that thread delivers ours too, after its own
  draining_ = true;
  while (!queue_.empty()) {
    Queued next = std::move(queue_.front());
    queue_.pop_front();
    const auto watchers = watchers_;
    lock.unlock();
    for (const auto& watcher : watchers)
      if (next.sequence >= watcher->first_sequence) watcher->deliver(next.event);
    lock.lock();
  }
  draining_ = false;
}

}  // namespace stopd::core
