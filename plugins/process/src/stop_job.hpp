// One stop of one target, from the first signal to the outcome. begin() runs on the thread that
// called start(); after that the job belongs to the engine's loop thread, which feeds it process
// exits, timer expiries and schedule changes. Nothing in here blocks or locks.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "process_target.hpp"
#include "stop_report.hpp"
#include "stopd/sdk/context.hpp"
#include "stopd/sdk/logger.hpp"
#include "stopd/sdk/outcome.hpp"
#include "unique_fd.hpp"

namespace stopd::process {

class StopJob {
 public:
  using Clock = std::chrono::steady_clock;

  // Members are numbered by slot; the engine packs (job id, slot) into one epoll token.
  static constexpr unsigned kSlotBits = 24;

  // `immediate`: force at once whatever force_at() says (Mode::immediate).
  StopJob(std::uint64_t id, ProcessTarget target, int stop_signal,
          std::shared_ptr<sdk::StopContext> context, bool immediate);

  std::uint64_t id() const { return id_; }
  bool finished() const { return finished_; }

  // Resolves the target and sends the first signal: SIGKILL if force is already due, else the stop
  // signal. May finish the job (nothing running, an error, cancelled).
  void begin();

  // A member's pidfd polled readable: it exited.
  void on_exit(std::uint32_t slot, Clock::time_point now);

  // A timer expired or the schedule changed: re-reads force_at/deadline/cancelled and acts.
  void evaluate(Clock::time_point now);

  // For a batch of stops due together, before evaluate(): force_due() says whether this job would
  // force now, and send_due_kills() then only sends SIGKILL to its tracked members (no host calls,
  // no bookkeeping), so the last stop of a large batch is not delayed by the rescans and reports
  // of all the others. evaluate(now) follows and records and reports them.
  bool force_due(Clock::time_point now) const;
  void send_due_kills();

  // Completes with `code` (e.g. cancelled on shutdown), saying what was already sent.
  void fail(sdk::Code code, std::string_view reason);

  // When the job next needs evaluate(); Clock::time_point::max() for never.
  Clock::time_point next_due() const;

  // Calls watch(fd, slot) for every member pidfd not handed out before; stops at the first
  // nonzero return (an errno) and returns it.
  template <class Watch>
  int watch_new_members(Watch&& watch) {
    for (; watched_ < members_.size(); ++watched_) {
      const auto& member = members_[watched_];
      if (!member.pidfd) continue;
      if (const int error = watch(member.pidfd.get(), static_cast<std::uint32_t>(watched_)))
        return error;
    }
    return 0;
  }

 private:
  enum class Phase { graceful, forced };

  struct Member {
    pid_t pid = 0;
    std::string comm;
    UniqueFd pidfd;  // reset once the process is gone
    bool graceful_sent = false;
    bool kill_sent = false;
  };

  template <class Step>
  void guarded(Step&& step);

  std::size_t adopt(std::vector<RunningProcess> running);
  void signal_members(Clock::time_point now, bool rescanned);
  void force(Clock::time_point now, bool rescan_first);
  std::optional<std::size_t> rescan(Clock::time_point now);
  void all_gone(Clock::time_point now);
  void deadline_passed(Clock::time_point now);
  void record_early_kills();
  void refresh_exits();
  void mark_gone(Member& member);

  void finish_stopped();
  void finish_unfinished(sdk::Code code, std::string reason);
  void finish_error(sdk::Code code, std::string reason);
  void finish(sdk::Code code, std::string message);

  std::vector<ProcessRef> still_running() const;
  std::chrono::milliseconds elapsed(Clock::time_point now) const;
  void report_progress(std::string_view phase, const nlohmann::json& facts);
  void log(sdk::LogLevel level, std::string_view message);

  const std::uint64_t id_;
  const ProcessTarget target_;
  const int stop_signal_;
  const bool immediate_;
  std::shared_ptr<sdk::StopContext> context_;
  const Clock::time_point started_;

  Phase phase_ = Phase::graceful;
  std::vector<Member> members_;
  std::size_t alive_ = 0;
  std::size_t watched_ = 0;
  bool finished_ = false;
  std::size_t early_kills_ = 0;  // sent by send_due_kills(), not yet recorded
  Clock::time_point early_kill_at_;

  // Group targets are rescanned whenever every tracked member is gone, no sooner than rescan_at_.
  Clock::time_point rescan_at_ = Clock::time_point::min();
  Clock::duration rescan_backoff_ = Clock::duration::zero();
  std::string rescan_error_;

  StopRecord record_;
};

}  // namespace stopd::process
