// A StopContext for driving a provider without the host's dispatcher: the test sets the schedule
// (force_at, deadline), cancels, and reads back what the provider reported. Every change calls the
// provider's on_change callback, outside the lock, the way the host does.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "stopd/sdk/context.hpp"
#include "stopd/sdk/outcome.hpp"

namespace stopd::test {

class RecordingContext final : public sdk::StopContext {
 public:
  struct Progress {
    std::string phase;
    nlohmann::json facts;
    Clock::time_point at;
  };
  struct LogLine {
    sdk::LogLevel level;
    std::string message;
  };

  // force_at = now + 10 s, deadline = now + 30 s unless set.
  explicit RecordingContext(std::string stop_id = "test-stop");

  // Graceful: force after `grace`, give up `slack` later.
  static std::shared_ptr<RecordingContext> with_grace(
      std::chrono::milliseconds grace, std::chrono::milliseconds slack = std::chrono::seconds(10));
  // Force due now; give up after `deadline`.
  static std::shared_ptr<RecordingContext> immediate(
      std::chrono::milliseconds deadline = std::chrono::seconds(10));
  // Unbounded grace (drain): force_at = max; give up after `deadline`.
  static std::shared_ptr<RecordingContext> draining(std::chrono::milliseconds deadline);

  // Each of these notifies the on_change callback.
  void set_force_at(Clock::time_point at);
  void set_deadline(Clock::time_point at);
  void cancel();

  // The outcome, waiting up to `timeout`; nullopt if complete() was not called by then.
  std::optional<sdk::StopOutcome> wait_outcome(std::chrono::milliseconds timeout);
  std::optional<sdk::StopOutcome> outcome() const;
  std::optional<Clock::time_point> completed_at() const;
  int complete_calls() const;
  std::vector<Progress> progress_events() const;
  std::vector<LogLine> log_lines() const;
  bool has_change_callback() const;

  // sdk::StopContext
  std::string_view stop_id() const override { return stop_id_; }
  unsigned attempt() const override { return 1; }
  Clock::time_point deadline() const override;
  Clock::time_point force_at() const override;
  bool cancelled() const override;
  void on_change(std::function<void()> callback) override;
  void progress(std::string_view phase, const nlohmann::json& facts) override;
  void log(sdk::LogLevel level, std::string_view message) override;
  void complete(sdk::StopOutcome outcome) override;

 private:
  void notify();

  const std::string stop_id_;
  mutable std::mutex mutex_;
  std::condition_variable completed_;
  Clock::time_point force_at_;
  Clock::time_point deadline_;
  bool cancelled_ = false;
  std::function<void()> callback_;
  std::optional<sdk::StopOutcome> outcome_;
  std::optional<Clock::time_point> completed_at_;
  int complete_calls_ = 0;
  std::vector<Progress> progress_;
  std::vector<LogLine> logs_;
};

}  // namespace stopd::test
