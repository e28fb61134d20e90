// The watchers of one job and the order they hear of it. A channel exists only while a job in
// flight is watched, so unwatched jobs carry nothing for it.
//
// Events are queued under the manager's lock (so the queue has the order in which the manager
// saw them) and delivered after it is released by whichever thread finds no delivery in
// progress: one event at a time, in order, never under the manager's lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "stopd/core/job.hpp"

namespace stopd::core {

class JobWatcher {
 public:
  explicit JobWatcher(std::function<void(const JobEvent&)> callback)
      : callback_(std::move(callback)) {}

  // Held while a callback runs. Recursive: a callback may drop its own handle.
  std::recursive_mutex& delivery() { return delivery_; }

  // Calls the callback unless unsubscribed or past the job's `finished`. The caller holds
  // delivery() (deliver() takes it).
  void deliver_locked(const JobEvent& event);
  void deliver(const JobEvent& event) {
    std::lock_guard lock(delivery_);
    deliver_locked(event);
  }

  // After this returns no callback starts; one running on another thread has returned.
  void unsubscribe();

  std::uint64_t first_sequence = 0;  // events queued before the snapshot are not for it

 private:
  std::function<void(const JobEvent&)> callback_;
  std::recursive_mutex delivery_;
  std::atomic<bool> active_{true};
  bool ended_ = false;  // guarded by delivery_
};

class WatchChannel {
 public:
  explicit WatchChannel(Job snapshot) : job(std::move(snapshot)) {}

  Job job;  // the journal's record when watching began; guarded by the manager's lock

  // Under the manager's lock.
  void post(JobEvent event);
  std::uint64_t next_sequence() const {
    std::lock_guard lock(mutex_);
    return next_sequence_;
  }
  void add(std::shared_ptr<JobWatcher> watcher);
  bool remove(const JobWatcher* watcher);  // true when none is left

  // Without any lock held: delivers what is queued, unless another thread is doing so.
  void drain();

 private:
  struct Queued {
    std::uint64_t sequence;
    JobEvent event;
  };
  mutable std::mutex mutex_;
  std::deque<Queued> queue_;
  std::uint64_t next_sequence_ = 0;
  bool draining_ = false;
  std::vector<std::shared_ptr<JobWatcher>> watchers_;
};

}  // namespace stopd::core
