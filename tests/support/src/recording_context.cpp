#include "stopd/test/recording_context.hpp"

namespace stopd::test {

RecordingContext::RecordingContext(std::string stop_id)
    : stop_id_(std::move(stop_id)),
      force_at_(Clock::now() + std::chrono::seconds(10)),
      deadline_(Clock::now() + std::chrono::seconds(30)) {}

std::shared_ptr<RecordingContext> RecordingContext::with_grace(std::chrono::milliseconds grace,
                                                               std::chrono::milliseconds slack) {
  auto context = std::make_shared<RecordingContext>();
  const auto now = Clock::now();
  context->force_at_ = now + grace;
  context->deadline_ = now + grace + slack;
  return context;
}

std::shared_ptr<RecordingContext> RecordingContext::immediate(std::chrono::milliseconds deadline) {
  auto context = std::make_shared<RecordingContext>();
  const auto now = Clock::now();
  context->force_at_ = now;
  context->deadline_ = now + deadline;
  return context;
}

std::shared_ptr<RecordingContext> RecordingContext::draining(std::chrono::milliseconds deadline) {
  auto context = std::make_shared<RecordingContext>();
  context->force_at_ = Clock::time_point::max();
  context->deadline_ = Clock::now() + deadline;
  return context;
}

void RecordingContext::set_force_at(Clock::time_point at) {
  {
    std::lock_guard lock(mutex_);
    force_at_ = at;
  }
  notify();
}

void RecordingContext::set_deadline(Clock::time_point at) {
  {
    std::lock_guard lock(mutex_);
    deadline_ = at;
  }
  notify();
}

void RecordingContext::cancel() {
  {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
  }
  notify();
}

// Outside the lock, like the host: the callback may call straight back into this context.
void RecordingContext::notify() {
  std::function<void()> callback;
  {
    std::lock_guard lock(mutex_);
    callback = callback_;
  }
  if (callback) callback();
}

std::optional<sdk::StopOutcome> RecordingContext::wait_outcome(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  completed_.wait_for(lock, timeout, [&] { return outcome_.has_value(); });
  return outcome_;
}

std::optional<sdk::StopOutcome> RecordingContext::outcome() const {
  std::lock_guard lock(mutex_);
  return outcome_;
}

std::optional<RecordingContext::Clock::time_point> RecordingContext::completed_at() const {
  std::lock_guard lock(mutex_);
  return completed_at_;
}

int RecordingContext::complete_calls() const {
  std::lock_guard lock(mutex_);
  return complete_calls_;
}

std::vector<RecordingContext::Progress> RecordingContext::progress_events() const {
  std::lock_guard lock(mutex_);
  return progress_;
}

std::vector<RecordingContext::LogLine> RecordingContext::log_lines() const {
  std::lock_guard lock(mutex_);
  return logs_;
}

bool RecordingContext::has_change_callback() const {
  std::lock_guard lock(mutex_);
  return static_cast<bool>(callback_);
}

RecordingContext::Clock::time_point RecordingContext::deadline() const {
  std::lock_guard lock(mutex_);
  return deadline_;
}

RecordingContext::Clock::time_point RecordingContext::force_at() const {
  std::lock_guard lock(mutex_);
  return force_at_;
}

bool RecordingContext::cancelled() const {
  std::lock_guard lock(mutex_);
  return cancelled_;
}

void RecordingContext::on_change(std::function<void()> callback) {
  std::lock_guard lock(mutex_);
  callback_ = std::move(callback);
}

void RecordingContext::progress(std::string_view phase, const nlohmann::json& facts) {
  std::lock_guard lock(mutex_);
  progress_.push_back(Progress{std::string(phase), facts, Clock::now()});
}

void RecordingContext::log(sdk::LogLevel level, std::string_view message) {
  std::lock_guard lock(mutex_);
  logs_.push_back(LogLine{level, std::string(message)});
}

void RecordingContext::complete(sdk::StopOutcome outcome) {
  {
    std::lock_guard lock(mutex_);
    ++complete_calls_;
    if (outcome_) return;  // later calls are ignored, as the host does; the count shows them
    outcome_ = std::move(outcome);
    completed_at_ = Clock::now();
  }
  completed_.notify_all();
}

}  // namespace stopd::test
