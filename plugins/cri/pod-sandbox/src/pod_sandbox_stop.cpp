#include "pod_sandbox_stop.hpp"

#include <csignal>
#include <map>
#include <mutex>
#include <set>
#include <vector>

#include "pod_sandbox_facts.hpp"
#include "pod_sandbox_message.hpp"
#include "stopd/cri/status_mapping.hpp"
#include "stopd/cri/stop_operation.hpp"

namespace stopd::cri {
namespace {

using nlohmann::json;

bool is_running(v1::ContainerState state) {
  return state == v1::CONTAINER_RUNNING || state == v1::CONTAINER_UNKNOWN;
}

class PodSandboxStop : public CriStopOperation<PodSandboxStop> {
 public:
  PodSandboxStop(std::shared_ptr<const CriClient> client, std::string pod_sandbox_id,
                 std::shared_ptr<sdk::StopContext> context)
      : CriStopOperation(std::move(client), std::move(pod_sandbox_id), std::move(context),
                         "pod_sandbox_id", "pod sandbox") {}

  void begin() {
    watch_schedule();
    if (context_->cancelled()) return finish(interrupted("before anything was sent"));
    track(client_->pod_sandbox_status(
        id_, status_deadline(),
        [self = shared_from_this()](const grpc::Status& status, v1::PodSandboxStatusResponse& r) {
          self->sandbox_before(status, r);
        }));
  }

 private:
  friend class CriStopOperation<PodSandboxStop>;

  // --- before: what runs, what holds an IP -----------------------------------------------------

  void sandbox_before(const grpc::Status& status, const v1::PodSandboxStatusResponse& response) {
    if (status.error_code() == grpc::StatusCode::NOT_FOUND)
      return finish(sdk::StopOutcome::make(
          sdk::Code::not_found, "no pod sandbox " + id_ + " in the CRI runtime at " + endpoint(),
          {{"pod_sandbox_id", id_}}));
    if (!status.ok()) return finish(outcome_for(status, "PodSandboxStatus " + id_, endpoint()));
    full_id_ = response.status().id();
    before_ = sandbox_facts(response.status());
    was_ready_ = response.status().state() == v1::SANDBOX_READY;
    v1::ContainerFilter filter;
    filter.set_pod_sandbox_id(full_id_);
    track(client_->list_containers(
        std::move(filter), status_deadline(),
        [self = shared_from_this()](const grpc::Status& answer, v1::ListContainersResponse& r) {
          self->members_before(answer, r);
        }));
  }

  void members_before(const grpc::Status& status, const v1::ListContainersResponse& response) {
    if (!status.ok())
      return finish(outcome_for(status, "ListContainers of pod sandbox " + id_, endpoint()));
    for (const auto& container : response.containers()) {
      if (is_running(container.state()))
        running_members_[container.id()] = container.metadata().name();
      else if (container.state() == v1::CONTAINER_CREATED)
        created_members_.insert(container.id());
    }

    const std::int64_t timeout = stop_timeout_seconds(context_->force_at(), Clock::now());
    if (running_members_.empty() || timeout == 0) return stop_sandbox();
    give_members_their_grace(timeout);
  }

  // --- graceful: every running member gets its grace at once -----------------------------------

  void give_members_their_grace(std::int64_t timeout) {
    {
      std::lock_guard lock(mutex_);
      members_pending_ = running_members_.size();
    }
    context_->progress("stopping_containers",
                       {{"containers", running_members_.size()}, {"timeout_seconds", timeout}});
    const auto deadline = stop_call_deadline(timeout, client_->settings().stop_margin,
                                             context_->deadline(), Clock::now());
    for (const auto& [member, name] : running_members_) {
      // A member's own failure (already removed, …) does not stop the pod's stop: StopPodSandbox
      // force-stops whatever is left and the verification below has the last word.
      track(client_->stop_container(
          member, timeout, deadline,
          [self = shared_from_this()](const grpc::Status&, v1::StopContainerResponse&) {
            self->member_answered();
          }));
    }
  }

  void member_answered() {
    {
      std::lock_guard lock(mutex_);
      if (members_pending_ > 0) --members_pending_;
      if (members_pending_ > 0) return;
    }
    stop_sandbox();
  }

  void schedule_changed() {
    bool force_now = false;
    std::vector<CallHandle> to_cancel;
    {
      std::lock_guard lock(mutex_);
      if (finished_) return;
      if (should_withdraw_locked()) {
        to_cancel = withdraw_locked();
      } else if (members_pending_ > 0 && context_->force_due()) {
        force_now = true;  // StopPodSandbox kills what still runs, pre-empting the graceful waits
      }
    }
    for (const auto& call : to_cancel) call.cancel();
    if (force_now) stop_sandbox();
  }

  // --- the sandbox ---------------------------------------------------------------------------

  void stop_sandbox() {
    {
      std::lock_guard lock(mutex_);
      if (finished_ || sandbox_stop_sent_) return;
      sandbox_stop_sent_ = true;
    }
    if (is_withdrawn()) return finish(interrupted("while its containers were being stopped"));
    context_->progress("stopping_sandbox", {{"pod_sandbox_id", full_id_}});
    track(client_->stop_pod_sandbox(
        full_id_,
        stop_call_deadline(0, client_->settings().stop_margin, context_->deadline(), Clock::now()),
        [self = shared_from_this()](const grpc::Status& status, v1::StopPodSandboxResponse&) {
          self->sandbox_stopped(status);
        }));
  }

  void sandbox_stopped(const grpc::Status& status) {
    if (!status.ok()) {
      if (is_withdrawn()) return finish(interrupted("while StopPodSandbox was in flight"));
      // Kept retryable by the runtime (e.g. a failed CNI DEL): the host tries again.
      return finish(outcome_for(status, "StopPodSandbox " + id_, endpoint()));
    }
    track(client_->pod_sandbox_status(
        full_id_, status_deadline(),
        [self = shared_from_this()](const grpc::Status& answer, v1::PodSandboxStatusResponse& r) {
          self->sandbox_after(answer, r);
        }));
  }

  // --- after: verify -------------------------------------------------------------------------

  void sandbox_after(const grpc::Status& status, const v1::PodSandboxStatusResponse& response) {
    if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
      // Removed right after the stop: nothing of it runs.
      after_ = before_;
      after_["state"] = "removed";
    } else if (!status.ok()) {
      return finish(outcome_for(status, "PodSandboxStatus " + id_ + " after the stop", endpoint()));
    } else {
      after_ = sandbox_facts(response.status());
      if (response.status().state() != v1::SANDBOX_NOTREADY)
        return finish(sdk::StopOutcome::make(
            sdk::Code::unavailable,
            "StopPodSandbox " + id_ + " returned, but the runtime still shows the sandbox ready",
            after_));
    }
    v1::ContainerFilter filter;
    filter.set_pod_sandbox_id(full_id_);
    track(client_->list_containers(
        std::move(filter), status_deadline(),
        [self = shared_from_this()](const grpc::Status& answer, v1::ListContainersResponse& r) {
          self->members_after(answer, r);
        }));
  }

  // What the runtime shows now decides: a member that runs (RUNNING or UNKNOWN) fails the stop; one
  // still CREATED never started, so there was nothing to stop; one that ran or was created before
  // and has exited now was stopped. A running member gone from the list was removed: it no longer
  // runs either.
  void members_after(const grpc::Status& status, const v1::ListContainersResponse& response) {
    if (!status.ok())
      return finish(outcome_for(status, "ListContainers of pod sandbox " + id_ + " after the stop",
                                endpoint()));
    json stopped = json::array();
    json never_started = json::array();
    json still_running = json::array();
    std::map<std::string, const v1::Container*> members;
    for (const auto& container : response.containers()) members[container.id()] = &container;
    for (const auto& [member, container] : members) {
      const json entry = {{"container_id", member}, {"name", container->metadata().name()}};
      if (is_running(container->state()))
        still_running.push_back(member);
      else if (container->state() == v1::CONTAINER_CREATED)
        never_started.push_back(entry);
      else if (running_members_.contains(member) || created_members_.contains(member))
        stopped.push_back(entry);  // a created one was started during the stop, then stopped
    }
    for (const auto& [member, name] : running_members_)
      if (!members.contains(member)) stopped.push_back({{"container_id", member}, {"name", name}});

    json details = after_;
    details["pod_sandbox_id"] = full_id_;
    details["released_ips"] = before_["ips"];
    details["stopped_containers"] = std::move(stopped);
    details["never_started_containers"] = std::move(never_started);
    if (!still_running.empty()) {
      details["running_containers"] = std::move(still_running);
      return finish(sdk::StopOutcome::make(sdk::Code::unavailable,
                                           still_running_message(id_, details), details));
    }
    fetch_exit_codes(std::move(details));
  }

  // The exit codes say whether a member had to be killed; ContainerStatus has them, the list
  // does not. One call per stopped member, in parallel.
  void fetch_exit_codes(json details) {
    if (details["stopped_containers"].empty()) return report(std::move(details));
    std::vector<std::string> members;
    for (const auto& entry : details["stopped_containers"])
      members.push_back(entry["container_id"]);
    {
      std::lock_guard lock(mutex_);
      details_ = std::move(details);
      statuses_pending_ = members.size();
    }
    for (std::size_t index = 0; index < members.size(); ++index) {
      track(client_->container_status(
          members[index], status_deadline(),
          [self = shared_from_this(), index](const grpc::Status& status,
                                             v1::ContainerStatusResponse& r) {
            self->member_status(index, status, r);
          }));
    }
  }

  void member_status(std::size_t index, const grpc::Status& status,
                     const v1::ContainerStatusResponse& response) {
    json details;
    {
      std::lock_guard lock(mutex_);
      if (status.ok()) {
        auto& entry = details_["stopped_containers"][index];
        entry["exit_code"] = response.status().exit_code();
        const bool killed = response.status().exit_code() == 128 + SIGKILL &&
                            response.status().reason() != "OOMKilled";
        entry["forced"] = killed;
        any_killed_ = any_killed_ || killed;
      }
      if (--statuses_pending_ > 0) return;
      details = std::move(details_);
    }
    report(std::move(details));
  }

  void report(json details) {
    const bool did_something = was_ready_ || !running_members_.empty();
    const std::string sandbox = sandbox_label(details);
    // Worded before the details move into the outcome.
    std::string message = did_something ? stopped_message(sandbox, details)
                                        : already_stopped_message(sandbox, details);
    auto outcome =
        sdk::StopOutcome::make(did_something ? sdk::Code::stopped : sdk::Code::already_stopped,
                               std::move(message), std::move(details));
    outcome.forced = any_killed_;
    finish(std::move(outcome));
  }

  // Written by one step and read by the next: the call chain orders them.
  std::string full_id_;
  json after_;
  bool was_ready_ = false;
  std::map<std::string, std::string> running_members_;  // id → name
  std::set<std::string> created_members_;               // never started, when first listed

  // Guarded by mutex_.
  std::size_t members_pending_ = 0;
  std::size_t statuses_pending_ = 0;
  json details_;
  bool any_killed_ = false;
  bool sandbox_stop_sent_ = false;
};

}  // namespace

void start_pod_sandbox_stop(std::shared_ptr<const CriClient> client, std::string pod_sandbox_id,
                            std::shared_ptr<sdk::StopContext> context) {
  std::make_shared<PodSandboxStop>(std::move(client), std::move(pod_sandbox_id), std::move(context))
      ->begin();
}

}  // namespace stopd::cri
