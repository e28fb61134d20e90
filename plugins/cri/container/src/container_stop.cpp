#include "container_stop.hpp"

#include <mutex>
#include <optional>
#include <vector>

#include "container_facts.hpp"
#include "stopd/cri/status_mapping.hpp"
#include "stopd/cri/stop_operation.hpp"

namespace stopd::cri {
namespace {

using nlohmann::json;

class ContainerStop : public CriStopOperation<ContainerStop> {
 public:
  ContainerStop(std::shared_ptr<const CriClient> client, std::string container_id,
                std::shared_ptr<sdk::StopContext> context)
      : CriStopOperation(std::move(client), std::move(container_id), std::move(context),
                         "container_id", "container") {}

  void begin() {
    watch_schedule();
    if (context_->cancelled()) return finish(interrupted("before anything was sent"));
    track(client_->container_status(
        id_, status_deadline(),
        [self = shared_from_this()](const grpc::Status& status, v1::ContainerStatusResponse& r) {
          self->status_before(status, r);
        }));
  }

 private:
  friend class CriStopOperation<ContainerStop>;

  void status_before(const grpc::Status& status, const v1::ContainerStatusResponse& response) {
    if (status.error_code() == grpc::StatusCode::NOT_FOUND)
      return finish(sdk::StopOutcome::make(
          sdk::Code::not_found, "no container " + id_ + " in the CRI runtime at " + endpoint(),
          {{"container_id", id_}}));
    if (!status.ok()) return finish(outcome_for(status, "ContainerStatus " + id_, endpoint()));
    const auto& before = response.status();
    before_ = container_facts(before);
    if (before.state() == v1::CONTAINER_EXITED || before.state() == v1::CONTAINER_CREATED) {
      // Not running: success without a stop call (a created container never ran; stopping it
      // would be a no-op in the runtime too).
      auto outcome = sdk::StopOutcome::make(
          sdk::Code::already_stopped,
          "container " + display_name() + " is " + state_name(before.state()) + ", not running",
          before_);
      return finish(std::move(outcome));
    }
    send_stop();
  }

  void send_stop() {
    const auto now = Clock::now();
    const std::int64_t timeout = stop_timeout_seconds(context_->force_at(), now);
    {
      std::lock_guard lock(mutex_);
      if (finished_) return;
      first_timeout_ = timeout;
      stops_in_flight_ = 1;
      if (timeout == 0) escalated_ = true;  // nothing graceful to escalate from
    }
    context_->progress("stopping",
                       {{"container_id", before_["container_id"]}, {"timeout_seconds", timeout}});
    track(client_->stop_container(
        id_, timeout,
        stop_call_deadline(timeout, client_->settings().stop_margin, context_->deadline(), now),
        [self = shared_from_this()](const grpc::Status& status, v1::StopContainerResponse&) {
          self->stop_answered(status);
        }));
  }

  // A change of schedule: escalate a graceful stop whose force is now due, or withdraw.
  void schedule_changed() {
    bool escalate = false;
    std::vector<CallHandle> to_cancel;
    {
      std::lock_guard lock(mutex_);
      if (finished_) return;
      if (should_withdraw_locked()) {
        to_cancel = withdraw_locked();
      } else if (stops_in_flight_ > 0 && !escalated_ && context_->force_due()) {
        escalated_ = true;
        ++stops_in_flight_;
        escalate = true;
      }
    }
    for (const auto& call : to_cancel) call.cancel();
    if (!escalate) return;
    // The runtime pre-empts the graceful wait still in flight: the container is killed now and
    // both calls return.
    context_->progress("escalated", {{"timeout_seconds", 0}});
    track(client_->stop_container(
        id_, 0,
        stop_call_deadline(0, client_->settings().stop_margin, context_->deadline(), Clock::now()),
        [self = shared_from_this()](const grpc::Status& status, v1::StopContainerResponse&) {
          self->stop_answered(status);
        }));
  }

  void stop_answered(const grpc::Status& status) {
    {
      std::lock_guard lock(mutex_);
      if (finished_ || confirming_) return;
      --stops_in_flight_;
      if (!status.ok()) {
        if (stops_in_flight_ > 0) return;  // the other stop call may still succeed
      } else {
        confirming_ = true;
      }
    }
    if (!status.ok()) {
      if (status.error_code() == grpc::StatusCode::NOT_FOUND)
        return finish(sdk::StopOutcome::make(sdk::Code::not_found,
                                             "container " + id_ +
                                                 " disappeared from the CRI runtime at " +
                                                 endpoint() + " during the stop",
                                             before_));
      if (is_withdrawn()) return finish(interrupted("while StopContainer was in flight"));
      return finish(outcome_for(status, "StopContainer " + id_, endpoint()));
    }
    track(client_->container_status(
        id_, status_deadline(),
        [self = shared_from_this()](const grpc::Status& answer, v1::ContainerStatusResponse& r) {
          self->status_after(answer, r);
        }));
  }

  void status_after(const grpc::Status& status, const v1::ContainerStatusResponse& response) {
    if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
      // Removed right after it stopped (e.g. by its owner): gone is not running.
      auto details = before_;
      details["state"] = "removed";
      return finish(sdk::StopOutcome::make(
          sdk::Code::stopped, "container " + display_name() + " stopped and was removed", details));
    }
    if (!status.ok()) {
      if (is_withdrawn()) return finish(interrupted("after StopContainer returned"));
      return finish(outcome_for(status, "ContainerStatus " + id_ + " after the stop", endpoint()));
    }
    const auto& after = response.status();
    auto details = container_facts(after);
    details["timeout_seconds"] = first_timeout_;
    if (after.state() != v1::CONTAINER_EXITED) {
      // Never report stopped while the runtime shows it otherwise; `unavailable` lets the host
      // try again within the deadline.
      return finish(sdk::StopOutcome::make(sdk::Code::unavailable,
                                           "StopContainer " + id_ +
                                               " returned, but the runtime "
                                               "still shows the container " +
                                               state_name(after.state()),
                                           details));
    }
    sdk::StopOutcome outcome = sdk::StopOutcome::make(
        sdk::Code::stopped,
        "container " + display_name() + " exited with code " + std::to_string(after.exit_code()),
        details);
    outcome.forced = was_killed(after);
    if (outcome.forced) outcome.message += " (killed)";
    finish(std::move(outcome));
  }

  std::string display_name() const {
    const auto name = before_.value("name", std::string());
    return name.empty() ? id_ : name + " (" + id_ + ")";
  }

  // Guarded by mutex_.
  int stops_in_flight_ = 0;
  std::int64_t first_timeout_ = 0;
  bool escalated_ = false;
  bool confirming_ = false;
};

}  // namespace

void start_container_stop(std::shared_ptr<const CriClient> client, std::string container_id,
                          std::shared_ptr<sdk::StopContext> context) {
  std::make_shared<ContainerStop>(std::move(client), std::move(container_id), std::move(context))
      ->begin();
}

}  // namespace stopd::cri
