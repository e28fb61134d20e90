// The provider's one loop thread and the stops it runs. Other threads only hand it begun jobs and
// job ids whose schedule changed, through a small locked inbox and an eventfd; everything else
// (the jobs, their pidfds' epoll registrations, the timer heap) belongs to the loop thread, so no
// lock is ever held while a job calls into the host (progress, complete).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "event_loop.hpp"
#include "stop_job.hpp"
#include "stopd/sdk/logger.hpp"
#include "timer_queue.hpp"

namespace stopd::process {

class StopEngine : public std::enable_shared_from_this<StopEngine> {
 public:
  explicit StopEngine(std::shared_ptr<sdk::Logger> logger);
  ~StopEngine();
  StopEngine(const StopEngine&) = delete;
  StopEngine& operator=(const StopEngine&) = delete;

  // Ids are never reused, so a late change callback can never reach another stop.
  std::uint64_t next_job_id() noexcept { return next_id_.fetch_add(1, std::memory_order_relaxed); }

  // Takes a job whose begin() ran and did not finish it; starts the loop thread on first use. After
  // shutdown() the job is completed `cancelled` on the caller's thread instead.
  void adopt(std::unique_ptr<StopJob> job);

  // From the host's change callbacks, any thread: the job re-reads its schedule soon.
  void schedule_changed(std::uint64_t job_id) noexcept;

  // Completes every open stop `cancelled` on the loop thread and ends it. Idempotent. Called from
  // the loop thread itself (a host that drops the provider inside complete()), it lets the loop
  // finish on its own instead of joining itself.
  void shutdown() noexcept;

  // The loop thread's kernel thread id once started (0 before); for diagnostics and tests.
  long loop_thread_tid() const noexcept { return loop_tid_.load(); }

 private:
  struct Running {
    std::unique_ptr<StopJob> job;
    StopJob::Clock::time_point due = StopJob::Clock::time_point::max();
    std::uint64_t generation = 0;
  };

  void run(const std::shared_ptr<EventLoop>& loop);
  void admit(std::unique_ptr<StopJob> job, EventLoop& loop, StopJob::Clock::time_point now);
  // Evaluates the stops `ids` (timers expired, schedules changed) as one batch.
  void run_batch(const std::vector<std::uint64_t>& ids, StopJob::Clock::time_point now,
                 EventLoop& loop);
  // After a job ran: drops it if finished, else watches its new pidfds and re-queues its timer.
  void settle(std::uint64_t id, Running& running, EventLoop& loop);
  void shut_down_jobs(std::vector<std::unique_ptr<StopJob>> inbox);

  const std::shared_ptr<sdk::Logger> logger_;
  std::atomic<std::uint64_t> next_id_{1};
  std::atomic<long> loop_tid_{0};

  std::mutex mutex_;  // guards everything down to the loop thread's state
  std::vector<std::unique_ptr<StopJob>> inbox_;
  std::vector<std::uint64_t> changed_;
  bool wake_pending_ = false;
  bool stopping_ = false;
  std::shared_ptr<EventLoop> loop_;
  std::thread thread_;

  // The loop thread's own.
  std::unordered_map<std::uint64_t, Running> jobs_;
  TimerQueue timers_;
  std::vector<std::uint64_t> due_;      // stops whose timer expired this round
  std::vector<std::uint64_t> forcing_;  // those of them that force now
};

}  // namespace stopd::process
