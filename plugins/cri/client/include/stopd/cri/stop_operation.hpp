// The plumbing every asynchronous CRI stop shares (cri.container's and cri.pod_sandbox's): the
// calls in flight, cancelled together when the stop is withdrawn; the outcome of a withdrawal
// (cancelled, or deadline_exceeded); completing the context exactly once.
//
// `Operation` derives from CriStopOperation<Operation> (so shared_from_this() yields the derived
// type for its call chains), implements schedule_changed() and befriends this base.
#pragma once

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "stopd/cri/cri_client.hpp"
#include "stopd/cri/stop_schedule.hpp"
#include "stopd/sdk/context.hpp"

namespace stopd::cri {

template <class Operation>
class CriStopOperation : public std::enable_shared_from_this<Operation> {
 protected:
  // `id_key` names the id in details ("container_id"), `kind` the resource in messages.
  CriStopOperation(std::shared_ptr<const CriClient> client, std::string id,
                   std::shared_ptr<sdk::StopContext> context, const char* id_key, const char* kind)
      : client_(std::move(client)),
        id_(std::move(id)),
        context_(std::move(context)),
        id_key_(id_key),
        kind_(kind) {}

  // Every change of the context's schedule (escalation, cancellation) reaches
  // Operation::schedule_changed() for as long as the operation lives.
  void watch_schedule() {
    context_->on_change([weak = this->weak_from_this()] {
      if (auto self = weak.lock()) self->schedule_changed();
    });
  }

  // Keeps `call` for a withdrawal; cancels it at once if the stop was already withdrawn.
  void track(CallHandle call) {
    bool cancel_now = false;
    {
      std::lock_guard lock(mutex_);
      calls_.push_back(call);
      cancel_now = withdrawn_;
    }
    if (cancel_now) call.cancel();
  }

  // With mutex_ held: marks the stop withdrawn and returns the calls to cancel (outside the lock).
  std::vector<CallHandle> withdraw_locked() {
    withdrawn_ = true;
    return calls_;
  }
  // With mutex_ held: the stop was cancelled or its deadline passed.
  bool should_withdraw_locked() const {
    return context_->cancelled() || context_->deadline() <= Clock::now();
  }

  bool is_withdrawn() {
    std::lock_guard lock(mutex_);
    return withdrawn_ || context_->cancelled();
  }

  // The outcome of a stop withdrawn `when`: deadline_exceeded if its deadline passed, else
  // cancelled; the details are what was known of the resource before.
  sdk::StopOutcome interrupted(const std::string& when) const {
    const bool deadline_passed = context_->deadline() <= Clock::now() && !context_->cancelled();
    return sdk::StopOutcome::make(
        deadline_passed ? sdk::Code::deadline_exceeded : sdk::Code::cancelled,
        std::string(deadline_passed ? "the deadline passed " : "cancelled ") + when + " (" + kind_ +
            " " + id_ + ")",
        before_.is_null() ? nlohmann::json{{id_key_, id_}} : before_);
  }

  // Completes the context with `outcome` unless it already was; forgets the calls.
  void finish(sdk::StopOutcome outcome) {
    {
      std::lock_guard lock(mutex_);
      if (finished_) return;
      finished_ = true;
      calls_.clear();
    }
    context_->complete(std::move(outcome));
  }

  // The deadline of a status or list call made now.
  Clock::time_point status_deadline() const {
    return status_call_deadline(client_->settings().call_timeout, context_->deadline(),
                                Clock::now());
  }
  const std::string& endpoint() const { return client_->endpoint(); }

  const std::shared_ptr<const CriClient> client_;
  const std::string id_;  // as requested (maybe a unique prefix)
  const std::shared_ptr<sdk::StopContext> context_;
  // The resource's facts before the stop. Written by one step of the call chain and read by the
  // next, so the chain orders the accesses.
  nlohmann::json before_;

  std::mutex mutex_;  // guards what follows, and the derived operation's own shared state
  bool finished_ = false;

 private:
  const char* const id_key_;
  const char* const kind_;
  std::vector<CallHandle> calls_;
  bool withdrawn_ = false;
};

}  // namespace stopd::cri
