// Waiting inside a blocking stop() while keeping the host's schedule. A blocking provider polls
// its resource and, between looks, sleeps until the next look, force_at(), the deadline,
// cancellation or a change the host announces through on_change(), whichever comes first:
//
//   sdk::Waiter waiter(context);
//   while (resource_still_runs()) {
//     switch (waiter.wait_for(std::chrono::milliseconds(50))) {
//       case sdk::Waiter::Wake::cancelled: return StopOutcome::make(Code::cancelled, "…");
//       case sdk::Waiter::Wake::deadline:  return StopOutcome::make(Code::deadline_exceeded, "…");
//       case sdk::Waiter::Wake::force:     return force_it();  // also at once in immediate mode
//       default: break;  // poll or changed: look again
//     }
//   }
//
// A Waiter takes the context's one on_change() slot. The callback it registers holds only a weak
// reference, so the host may call it after stop() returned and the Waiter is gone.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include "stopd/sdk/context.hpp"

namespace stopd::sdk {

class Waiter {
 public:
  using Clock = StopContext::Clock;

  // Why wait_until() returned. When several hold, the first in this order wins.
  enum class Wake {
    cancelled,  // context.cancelled()
    deadline,   // context.deadline() has passed
    force,      // context.force_at() has come: force now (immediate mode: at once)
    changed,    // on_change() fired, and none of the above holds (e.g. a later deadline)
    poll,       // `until` came: time to look at the resource again
  };

  explicit Waiter(StopContext& context) : context_(context), shared_(std::make_shared<Shared>()) {
    context_.on_change([weak = std::weak_ptr<Shared>(shared_)] {
      if (auto shared = weak.lock()) shared->notify();
    });
  }

  Waiter(const Waiter&) = delete;
  Waiter& operator=(const Waiter&) = delete;

  // Returns at once if the stop is cancelled, past its deadline or due to be forced, or if a
  // change arrived since the last call; otherwise blocks until one of them or `until`.
  Wake wait_until(Clock::time_point until) {
    if (auto due = due_now()) return *due;
    // Read before locking: the host may hold its own lock while it runs the change callback.
    const auto wake_at = std::min({until, context_.force_at(), context_.deadline()});
    bool changed = false;
    {
      std::unique_lock lock(shared_->mutex);
      const auto notified = [&] { return shared_->changed; };
      if (wake_at == Clock::time_point::max())
        shared_->cv.wait(lock, notified);
      else
        shared_->cv.wait_until(lock, wake_at, notified);
      changed = std::exchange(shared_->changed, false);
    }
    return due_now().value_or(changed ? Wake::changed : Wake::poll);
  }

  Wake wait_for(Clock::duration poll) { return wait_until(Clock::now() + poll); }

 private:
  struct Shared {
    std::mutex mutex;
    std::condition_variable cv;
    bool changed = false;

    void notify() {
      {
        std::lock_guard lock(mutex);
        changed = true;
      }
      cv.notify_all();
    }
  };

  std::optional<Wake> due_now() const {
    if (context_.cancelled()) return Wake::cancelled;
    const auto now = Clock::now();
    if (context_.deadline() <= now) return Wake::deadline;
    if (context_.force_at() <= now) return Wake::force;
    return std::nullopt;
  }

  StopContext& context_;
  std::shared_ptr<Shared> shared_;
};

}  // namespace stopd::sdk
