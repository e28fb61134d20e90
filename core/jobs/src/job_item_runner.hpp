// The daemon's BatchItemRunner: each item is a job of the job manager (journaled before it runs,
// resumed after a restart), keyed by request_id "batch/<batch id>/<item id>". Starting an item
// whose job already exists (a batch resumed after a crash) finds that job instead of stopping the
// resource again, and reports its end.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "stopd/batch/batch_engine.hpp"
#include "stopd/jobs/job_manager.hpp"

namespace stopd::core {

class JobItemRunner final : public BatchItemRunner {
 public:
  // `clock`: the dispatcher's, on which the engine's deadlines are and results are stamped.
  JobItemRunner(JobManager& jobs, std::shared_ptr<HostClock> clock, std::string batch_id,
                std::string requester)
      : jobs_(jobs),
        clock_(std::move(clock)),
        batch_id_(std::move(batch_id)),
        requester_(std::move(requester)) {}
  ~JobItemRunner() override;  // ends the watches; the jobs themselves go on

  void start(const BatchItem& item, std::optional<std::chrono::steady_clock::time_point> deadline,
             Done done) override;
  void cancel(const std::string& item_id) override;

  // The daemon is stopping: from now on start() submits nothing (the item waits, unfinished, for
  // the next start) and cancel() ends an item at once with `cancelled` without touching its job,
  // so the engine can wind down while every job stays as the job manager leaves it.
  void detach();

  // The request_id of an item's job.
  static std::string request_id_of(const std::string& batch_id, const std::string& item_id) {
    return "batch/" + batch_id + "/" + item_id;
  }

 private:
  struct Running {
    std::string job_id;  // empty: parked by detach(), never submitted
    std::shared_ptr<void> watch;
    std::shared_ptr<std::atomic<bool>> reported;  // the item's end was reported
    Done done;
  };

  JobManager& jobs_;
  const std::shared_ptr<HostClock> clock_;
  const std::string batch_id_;
  const std::string requester_;
  std::mutex mutex_;
  bool detached_ = false;
  std::map<std::string, Running> running_;  // by item id
};

// What a finished job says about its stop, as the engine's StopResult.
StopResult result_of_job(const Job& job);

}  // namespace stopd::core
