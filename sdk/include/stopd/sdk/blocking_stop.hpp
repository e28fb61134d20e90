// stop() on top of start() for an asynchronous provider: the provider writes start() once and
// answers a caller that wants to block (a test, a host without an event loop) with
//
//   sdk::StopOutcome stop(const sdk::StopRequest& request, sdk::StopContext& context) override {
//     return sdk::run_blocking(context, [&](std::shared_ptr<sdk::StopContext> relay) {
//       start(request, std::move(relay));
//     });
//   }
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "stopd/sdk/context.hpp"
#include "stopd/sdk/outcome.hpp"

namespace stopd::sdk {
namespace detail {

// Relays to the caller's context while the caller waits. The caller waits for complete(), so
// `outer` outlives every relayed call made before it; the pointer is cleared afterwards so that a
// late call (a change callback racing the completion) finds nothing rather than a dead object.
// No lock is held while calling the outer context, so its locks stay out of any order with ours.
class RelayContext final : public StopContext {
 public:
  explicit RelayContext(StopContext& outer)
      : outer_(&outer), stop_id_(outer.stop_id()), attempt_(outer.attempt()) {}

  std::string_view stop_id() const override { return stop_id_; }
  unsigned attempt() const override { return attempt_; }
  Clock::time_point deadline() const override {
    auto* outer = outer_.load();
    return outer ? outer->deadline() : Clock::time_point::min();
  }
  Clock::time_point force_at() const override {
    auto* outer = outer_.load();
    return outer ? outer->force_at() : Clock::time_point::min();
  }
  bool cancelled() const override {
    auto* outer = outer_.load();
    return outer ? outer->cancelled() : true;
  }
  void on_change(std::function<void()> callback) override {
    std::lock_guard lock(mutex_);
    callback_ = std::move(callback);
  }
  void progress(std::string_view phase, const nlohmann::json& facts) override {
    if (auto* outer = outer_.load()) outer->progress(phase, facts);
  }
  void log(LogLevel level, std::string_view message) override {
    if (auto* outer = outer_.load()) outer->log(level, message);
  }
  void complete(StopOutcome outcome) override {
    {
      std::lock_guard lock(mutex_);
      if (outcome_) return;
      outcome_ = std::move(outcome);
    }
    done_.notify_all();
  }

  // Called by the outer context's change callback.
  void changed() {
    std::function<void()> callback;
    {
      std::lock_guard lock(mutex_);
      callback = callback_;
    }
    if (callback) callback();
  }

  StopOutcome wait_and_detach() {
    std::unique_lock lock(mutex_);
    done_.wait(lock, [&] { return outcome_.has_value(); });
    outer_.store(nullptr);
    return std::move(*outcome_);
  }

 private:
  std::mutex mutex_;
  std::condition_variable done_;
  std::atomic<StopContext*> outer_;
  const std::string stop_id_;
  const unsigned attempt_;
  std::function<void()> callback_;
  std::optional<StopOutcome> outcome_;
};

}  // namespace detail

// Calls `start` with a context that relays to `outer`, and blocks until it completes.
inline StopOutcome run_blocking(StopContext& outer,
                                const std::function<void(std::shared_ptr<StopContext>)>& start) {
  auto relay = std::make_shared<detail::RelayContext>(outer);
  outer.on_change([weak = std::weak_ptr<detail::RelayContext>(relay)] {
    if (auto alive = weak.lock()) alive->changed();
  });
  start(relay);
  auto outcome = relay->wait_and_detach();
  outer.on_change([] {});
  return outcome;
}

}  // namespace stopd::sdk
