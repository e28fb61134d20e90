// What one API call may spend and whom it reports to: the stop's deadline and cancellation, read
// afresh at every step because the host can tighten them while the call runs.
#pragma once

#include <chrono>
#include <memory>
#include <string_view>

#include "stopd/sdk/context.hpp"
#include "stopd/sdk/logger.hpp"

namespace stopd::huaweicloud {

using Clock = std::chrono::steady_clock;

class CallScope {
 public:
  virtual ~CallScope() = default;
  virtual Clock::time_point deadline() const = 0;
  virtual bool cancelled() const = 0;
  virtual void log(sdk::LogLevel level, std::string_view message) const = 0;
};

// A stop's scope: its context's deadline, cancellation and log.
class StopContextScope final : public CallScope {
 public:
  explicit StopContextScope(sdk::StopContext& context) : context_(context) {}
  Clock::time_point deadline() const override { return context_.deadline(); }
  bool cancelled() const override { return context_.cancelled(); }
  void log(sdk::LogLevel level, std::string_view message) const override {
    context_.log(level, message);
  }

 private:
  sdk::StopContext& context_;
};

// A fixed deadline, never cancelled: inspect() and tools that have no StopContext.
class DeadlineScope final : public CallScope {
 public:
  DeadlineScope(Clock::time_point deadline, std::shared_ptr<sdk::Logger> logger)
      : deadline_(deadline), logger_(std::move(logger)) {}
  Clock::time_point deadline() const override { return deadline_; }
  bool cancelled() const override { return false; }
  void log(sdk::LogLevel level, std::string_view message) const override {
    if (logger_ && logger_->enabled(level)) logger_->log(level, message);
  }

 private:
  Clock::time_point deadline_;
  std::shared_ptr<sdk::Logger> logger_;
};

// Sleeps until `until`, waking every few tens of ms to notice cancellation. Returns false if the
// scope was cancelled first. Never sleeps past the scope's deadline.
bool sleep_within(const CallScope& scope, Clock::time_point until);

}  // namespace stopd::huaweicloud
