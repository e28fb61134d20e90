#include "stop_job.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <utility>

#include "cgroup.hpp"
#include "errors.hpp"
#include "pidfd.hpp"
#include "signal_names.hpp"

namespace stopd::process {
namespace {

using sdk::Code;
using namespace std::chrono_literals;

// Members a group keeps forking are picked up by rescans spaced out up to this far, so a fork loop
// costs a bounded number of /proc scans per second.
constexpr auto kMaxRescanBackoff = std::chrono::duration_cast<StopJob::Clock::duration>(100ms);
constexpr auto kMinRescanBackoff = std::chrono::duration_cast<StopJob::Clock::duration>(1ms);

nlohmann::json pid_list(const std::vector<ProcessRef>& processes) {
  auto out = nlohmann::json::array();
  for (const auto& process : processes)
    out.push_back({{"pid", process.pid}, {"comm", process.comm}});
  return out;
}

}  // namespace

StopJob::StopJob(std::uint64_t id, ProcessTarget target, int stop_signal,
                 std::shared_ptr<sdk::StopContext> context, bool immediate)
    : id_(id),
      target_(std::move(target)),
      stop_signal_(stop_signal),
      immediate_(immediate),
      context_(std::move(context)),
      started_(Clock::now()) {
  record_.kind = target_.spec().kind;
  record_.subject = target_.describe();
  record_.stop_signal = stop_signal_;
}

template <class Step>
void StopJob::guarded(Step&& step) {
  if (finished_) return;
  try {
    step();
  } catch (const sdk::StopError& e) {
    if (!finished_) finish_error(e.code(), e.what());
  } catch (const std::exception& e) {
    if (!finished_) finish_error(Code::internal, std::string("local.process: ") + e.what());
  }
}

void StopJob::begin() {
  guarded([&] {
    if (context_->cancelled()) {
      finish(Code::cancelled, "cancelled before any signal was sent");
      return;
    }
    Resolution found = target_.resolve();
    record_.target = target_.facts(found);
    if (found.running.empty()) {
      finish(Code::already_stopped, found.absent_reason);
      return;
    }
    if (!target_.is_group()) {
      record_.subject =
          "pid " + std::to_string(found.pid) + " (" + found.running.front().comm + ")";
      if (target_.spec().kind == TargetKind::pidfile)
        record_.subject += " from pidfile " + target_.spec().path;
    }
    adopt(std::move(found.running));
    const auto now = Clock::now();
    if (immediate_ || context_->force_at() <= now) {
      force(now, false);
    } else {
      signal_members(now, false);
    }
    if (!finished_ && alive_ == 0 && !record_.any_signal_sent() && !target_.is_group())
      finish(Code::already_stopped, record_.subject + " exited before it was signalled");
  });
}

void StopJob::on_exit(std::uint32_t slot, Clock::time_point now) {
  if (finished_ || slot >= members_.size() || !members_[slot].pidfd) return;
  mark_gone(members_[slot]);
  if (alive_ == 0) evaluate(now);
}

void StopJob::evaluate(Clock::time_point now) {
  guarded([&] {
    if (context_->cancelled()) {
      finish_unfinished(Code::cancelled, "cancelled");
      return;
    }
    if (phase_ == Phase::graceful && context_->force_at() <= now) {
      force(now, target_.is_group());
      if (finished_) return;
    }
    if (alive_ == 0) {
      all_gone(now);
      if (finished_) return;
    }
    if (context_->deadline() <= now) deadline_passed(now);
  });
}

bool StopJob::force_due(Clock::time_point now) const {
  if (finished_ || phase_ != Phase::graceful) return false;
  try {
    return !context_->cancelled() && context_->force_at() <= now;
  } catch (...) {
    return false;  // evaluate() meets the same failure and reports it
  }
}

void StopJob::send_due_kills() {
  for (auto& member : members_) {
    if (!member.pidfd || member.kill_sent) continue;
    // Errors (a vanished process, EPERM) are left to evaluate(), which sends again and reports.
    if (send_signal(member.pidfd.get(), SIGKILL) == 0) {
      member.kill_sent = true;
      ++early_kills_;
    }
  }
  // The report says when SIGKILL really went out, not when the batch began.
  if (early_kills_ > 0) early_kill_at_ = Clock::now();
}

void StopJob::fail(sdk::Code code, std::string_view reason) {
  if (finished_) return;
  try {
    finish_unfinished(code, std::string(reason));
  } catch (...) {
    finish(code, std::string(reason));
  }
}

StopJob::Clock::time_point StopJob::next_due() const {
  if (finished_) return Clock::time_point::max();
  auto due = context_->deadline();
  if (phase_ == Phase::graceful) due = std::min(due, context_->force_at());
  if (alive_ == 0 && target_.is_group()) due = std::min(due, rescan_at_);
  return due;
}

std::size_t StopJob::adopt(std::vector<RunningProcess> running) {
  for (auto& process : running) {
    record_.add_process(process.pid, process.comm);
    members_.push_back(Member{process.pid, std::move(process.comm), std::move(process.pidfd)});
    ++alive_;
  }
  return running.size();
}

void StopJob::signal_members(Clock::time_point now, bool rescanned) {
  const bool forced = phase_ == Phase::forced;
  if (forced && early_kills_ > 0) now = early_kill_at_;
  const int signal = forced ? SIGKILL : stop_signal_;
  std::size_t sent = 0;
  for (auto& member : members_) {
    if (!member.pidfd || (forced ? member.kill_sent : member.graceful_sent)) continue;
    const int error = send_signal(member.pidfd.get(), signal);
    if (error == ESRCH) {
      mark_gone(member);
      continue;
    }
    if (error != 0) {
      if (forced) sent += std::exchange(early_kills_, 0);
      record_.add_signals(signal, forced, elapsed(now), sent);
      finish_error(code_for_errno(error), "cannot send " + signal_name(signal) + " to pid " +
                                              std::to_string(member.pid) + " (" + member.comm +
                                              "): " + errno_text(error));
      return;
    }
    (forced ? member.kill_sent : member.graceful_sent) = true;
    ++sent;
  }
  if (forced) sent += std::exchange(early_kills_, 0);
  if (sent == 0) return;
  record_.add_signals(signal, forced, elapsed(now), sent);
  nlohmann::json facts = {
      {"signal", signal_name(signal)}, {"processes", sent}, {"after_ms", elapsed(now).count()}};
  if (rescanned) facts["rescan"] = true;
  report_progress(forced ? "forced" : "signalled", facts);
}

void StopJob::force(Clock::time_point now, bool rescan_first) {
  phase_ = Phase::forced;
  // Members forked since the last scan get SIGKILL straight away, never the stop signal.
  if (rescan_first) (void)rescan(now);
  if (finished_) return;
  if (const auto& cgroup = target_.cgroup(); cgroup && cgroup->version == CgroupVersion::v2) {
    // Also catches forks racing with the per-process kills below.
    const int error = write_cgroup_kill(cgroup->path);
    if (error != 0 && error != ENOENT)
      log(sdk::LogLevel::warn,
          "cannot write " + cgroup->path + "/cgroup.kill: " + errno_text(error));
  }
  signal_members(now, false);
}

std::optional<std::size_t> StopJob::rescan(Clock::time_point now) {
  std::vector<pid_t> tracked;
  for (const auto& member : members_)
    if (member.pidfd) tracked.push_back(member.pid);
  std::sort(tracked.begin(), tracked.end());
  Resolution found;
  try {
    found = target_.resolve(tracked);
  } catch (const sdk::StopError& e) {
    // Refusing to signal ourselves is final; anything else (out of descriptors, …) is retried by
    // a later rescan within the deadline.
    if (e.code() == Code::failed_precondition) throw;
    rescan_error_ = e.what();
    rescan_backoff_ = std::clamp(rescan_backoff_ * 2, kMinRescanBackoff, kMaxRescanBackoff);
    rescan_at_ = now + rescan_backoff_;
    return std::nullopt;
  }
  rescan_error_.clear();
  const std::size_t adopted = adopt(std::move(found.running));
  if (adopted > 0) {
    rescan_backoff_ = std::clamp(rescan_backoff_ * 2, kMinRescanBackoff, kMaxRescanBackoff);
    rescan_at_ = now + rescan_backoff_;
    signal_members(now, true);
  }
  return adopted;
}

void StopJob::all_gone(Clock::time_point now) {
  if (!target_.is_group()) {
    finish_stopped();
    return;
  }
  if (rescan_at_ > now) return;  // next_due() wakes us
  const auto adopted = rescan(now);
  if (finished_) return;
  if (adopted && *adopted == 0) finish_stopped();
}

void StopJob::deadline_passed(Clock::time_point now) {
  // An exit the loop has not dispatched yet still counts.
  refresh_exits();
  if (alive_ == 0) {
    if (!target_.is_group()) {
      finish_stopped();
      return;
    }
    const auto adopted = rescan(now);
    if (finished_) return;
    if (adopted && *adopted == 0) {
      finish_stopped();
      return;
    }
  }
  std::string message;
  if (!record_.any_signal_sent()) {
    message = record_.subject + " still running at the deadline; no signal was sent";
  } else {
    const auto since_first = elapsed(now) - record_.signals.front().after;
    const std::string when = " still running at the deadline, " + format_duration(since_first) +
                             " after " + signal_names_sent(record_);
    if (target_.is_group()) {
      message = record_.subject + ": " + std::to_string(alive_) + " of " +
                std::to_string(record_.process_count) + " processes" + when + ": " +
                list_processes(still_running());
    } else {
      message = record_.subject + when;
    }
    if (phase_ == Phase::graceful)
      message += context_->force_at() == Clock::time_point::max()
                     ? "; no SIGKILL: the grace is unbounded (drain)"
                     : "; SIGKILL was due only after the deadline";
  }
  if (!rescan_error_.empty()) message += "; the last rescan failed: " + rescan_error_;
  finish(Code::deadline_exceeded, std::move(message));
}

// SIGKILLs sent by send_due_kills() are normally recorded by force(); a stop cancelled in between
// still reports them.
void StopJob::record_early_kills() {
  if (early_kills_ == 0) return;
  record_.add_signals(SIGKILL, true, elapsed(early_kill_at_), std::exchange(early_kills_, 0));
}

void StopJob::refresh_exits() {
  for (auto& member : members_)
    if (member.pidfd && has_exited(member.pidfd.get())) mark_gone(member);
}

void StopJob::mark_gone(Member& member) {
  member.pidfd.reset();
  --alive_;
}

void StopJob::finish_stopped() {
  if (!record_.any_signal_sent()) {
    finish(Code::already_stopped, target_.is_group()
                                      ? record_.subject + " has no running processes"
                                      : record_.subject + " exited before it was signalled");
    return;
  }
  finish(Code::stopped, stopped_message(record_, elapsed(Clock::now())));
}

// Cancelled or shut down before everything was gone: say what was sent and what still runs.
void StopJob::finish_unfinished(sdk::Code code, std::string reason) {
  record_early_kills();
  refresh_exits();
  if (alive_ == 0 && !target_.is_group() && record_.any_signal_sent()) {
    finish_stopped();  // it is gone: that is what is true now
    return;
  }
  std::string message = std::move(reason);
  if (!record_.any_signal_sent()) {
    message += " before any signal was sent";
  } else {
    message += " after sending " + signals_sent(record_);
    if (!target_.is_group()) {
      message += "; it is still running";
    } else if (alive_ > 0) {
      message +=
          "; " + std::to_string(alive_) + " still running: " + list_processes(still_running());
    }
  }
  if (!rescan_error_.empty()) message += "; the last rescan failed: " + rescan_error_;
  finish(code, std::move(message));
}

void StopJob::finish_error(sdk::Code code, std::string reason) {
  if (record_.any_signal_sent()) reason += " (already sent: " + signals_sent(record_) + ")";
  finish(code, std::move(reason));
}

void StopJob::finish(sdk::Code code, std::string message) {
  if (finished_) return;
  record_early_kills();
  sdk::StopOutcome outcome;
  outcome.code = code;
  outcome.message = std::move(message);
  outcome.forced = record_.forced_after.has_value();
  outcome.details = make_details(record_, elapsed(Clock::now()));
  if (const auto running = still_running(); !running.empty()) {
    outcome.details["still_running"] = pid_list(running);
    outcome.details["still_running_count"] = alive_;
  }
  finished_ = true;
  members_.clear();
  alive_ = 0;
  auto context = std::move(context_);
  try {
    context->complete(std::move(outcome));
  } catch (...) {
    // The host's complete() failing is not ours to recover; the stop is over either way.
  }
}

std::vector<ProcessRef> StopJob::still_running() const {
  std::vector<ProcessRef> running;
  for (const auto& member : members_)
    if (member.pidfd && running.size() < kMaxListedProcesses)
      running.push_back(ProcessRef{member.pid, member.comm});
  return running;
}

std::chrono::milliseconds StopJob::elapsed(Clock::time_point now) const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(now - started_);
}

void StopJob::report_progress(std::string_view phase, const nlohmann::json& facts) {
  try {
    context_->progress(phase, facts);
  } catch (...) {
    // Progress is for watchers; a failure to report it must not change the stop.
  }
}

void StopJob::log(sdk::LogLevel level, std::string_view message) {
  try {
    context_->log(level, message);
  } catch (...) {
  }
}

}  // namespace stopd::process
