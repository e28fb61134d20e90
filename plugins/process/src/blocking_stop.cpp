#include "blocking_stop.hpp"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>

namespace stopd::process {
namespace {

// Forwards to the caller's context while the caller waits. A job never touches its context after
// complete(), and the caller waits for complete(), so `outer` outlives every forwarded call; the
// pointer is still cleared so a stray late call finds nothing rather than a dead object. No lock is
// held while calling the outer context: its own locks stay out of any order with ours.
class RelayContext final : public sdk::StopContext {
 public:
  explicit RelayContext(sdk::StopContext& outer)
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
  void log(sdk::LogLevel level, std::string_view message) override {
    if (auto* outer = outer_.load()) outer->log(level, message);
  }
  void complete(sdk::StopOutcome outcome) override {
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

  sdk::StopOutcome wait_and_detach() {
    std::unique_lock lock(mutex_);
    done_.wait(lock, [&] { return outcome_.has_value(); });
    outer_.store(nullptr);
    return std::move(*outcome_);
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable done_;
  std::atomic<sdk::StopContext*> outer_;
  const std::string stop_id_;
  const unsigned attempt_;
  std::function<void()> callback_;
  std::optional<sdk::StopOutcome> outcome_;
};

}  // namespace

sdk::StopOutcome run_blocking(sdk::StopContext& outer,
                              const std::function<void(std::shared_ptr<sdk::StopContext>)>& start) {
  auto relay = std::make_shared<RelayContext>(outer);
  outer.on_change([weak = std::weak_ptr<RelayContext>(relay)] {
    if (auto alive = weak.lock()) alive->changed();
  });
  start(relay);
  auto outcome = relay->wait_and_detach();
  outer.on_change([] {});
  return outcome;
}

}  // namespace stopd::process
