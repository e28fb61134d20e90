#include "job_watch.hpp"

#include "convert.hpp"
#include "rpc_status.hpp"
#include "stopd/core/logging.hpp"

namespace stopd::api {

bool WatchRegistry::add(const std::shared_ptr<WatchLink>& link) {
  std::lock_guard lock(mutex_);
  if (ended_) return false;
  links_.insert(link);
  return true;
}

void WatchRegistry::remove(const std::shared_ptr<WatchLink>& link) {
  std::lock_guard lock(mutex_);
  links_.erase(link);
}

std::size_t WatchRegistry::size() const {
  std::lock_guard lock(mutex_);
  return links_.size();
}

void WatchRegistry::end_all(const grpc::Status& status) {
  std::vector<std::shared_ptr<WatchLink>> links;
  {
    std::lock_guard lock(mutex_);
    ended_ = true;
    links.assign(links_.begin(), links_.end());
  }
  for (const auto& link : links) {
    JobWatch* watch = nullptr;
    JobWatch::Action action = JobWatch::Action::none;
    {
      std::lock_guard lock(link->mutex);
      watch = link->watch;
      if (watch != nullptr) action = watch->end_locked(status);
    }
    // Alive while an action is due: it is deleted only after Finish(), which only this action
    // may still call (a write outstanding holds Finish back).
    if (action != JobWatch::Action::none) watch->perform(action);
  }
}

v1::JobEvent to_proto(const core::JobEvent& event) {
  v1::JobEvent out;
  *out.mutable_at() = to_timestamp(event.at);
  out.set_kind(event.kind);
  out.set_phase(event.phase);
  if (event.facts.is_object() && !event.facts.empty()) {
    try {
      *out.mutable_facts() = to_struct(event.facts);
    } catch (const std::exception& e) {
      core::host_logger()->debug("job={} event facts not representable: {}", event.job.id,
                                 e.what());
    }
  }
  *out.mutable_job() = to_proto(event.job);
  return out;
}

JobWatch::JobWatch(WatchRegistry& registry)
    : registry_(registry), link_(std::make_shared<WatchLink>()) {}

grpc::ServerWriteReactor<v1::JobEvent>* JobWatch::start(core::JobManager& jobs, std::string id,
                                                        WatchRegistry& registry) {
  auto* watch = new JobWatch(registry);
  watch->link_->watch = watch;
  if (!registry.add(watch->link_)) {
    watch->starting_ = false;
    watch->finish_called_ = true;
    watch->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "stopd is shutting down"));
    return watch;
  }
  watch->subscribe(jobs, id);
  return watch;
}

void JobWatch::subscribe(core::JobManager& jobs, const std::string& id) {
  std::optional<grpc::Status> failed;
  try {
    // The snapshot arrives synchronously, inside watch(); later events on dispatcher threads.
    subscription_ = jobs.watch(id, [link = link_](const core::JobEvent& event) {
      JobWatch* watch = nullptr;
      Action action = Action::none;
      {
        std::lock_guard lock(link->mutex);
        watch = link->watch;
        if (watch != nullptr) action = watch->push_locked(event);
      }
      if (action != Action::none) watch->perform(action);
    });
  } catch (...) {
    failed = status_of_current_exception("WatchJob");
  }
  Action action = Action::none;
  {
    std::lock_guard lock(link_->mutex);
    starting_ = false;
    if (failed && !end_status_) end_status_ = std::move(*failed);
    action = next_locked();
  }
  perform(action);
}

JobWatch::Action JobWatch::push_locked(const core::JobEvent& event) {
  if (last_queued_ || end_status_ || finish_called_) return Action::none;
  pending_.push_back(to_proto(event));
  if (event.job.is_finished()) last_queued_ = true;
  return next_locked();
}

JobWatch::Action JobWatch::end_locked(grpc::Status status) {
  if (!end_status_) end_status_ = std::move(status);
  return next_locked();
}

JobWatch::Action JobWatch::next_locked() {
  if (finish_called_ || writing_) return Action::none;
  if (end_status_) {
    if (starting_) return Action::none;
    finish_called_ = true;
    finish_status_ = *end_status_;
    return Action::finish;
  }
  if (!pending_.empty()) {
    in_flight_ = std::move(pending_.front());
    pending_.pop_front();
    writing_ = true;
    return Action::write;
  }
  if (last_queued_ && !starting_) {
    finish_called_ = true;
    finish_status_ = grpc::Status::OK;
    return Action::finish;
  }
  return Action::none;
}

void JobWatch::perform(Action action) {
  switch (action) {
    case Action::none:
      return;
    case Action::write:
      StartWrite(&in_flight_);
      return;
    case Action::finish:
      Finish(finish_status_);
      return;
  }
}

void JobWatch::OnWriteDone(bool ok) {
  Action action = Action::none;
  {
    std::lock_guard lock(link_->mutex);
    writing_ = false;
    if (!ok && !end_status_)
      end_status_ = grpc::Status(grpc::StatusCode::CANCELLED, "the stream was broken");
    action = next_locked();
  }
  perform(action);
}

void JobWatch::OnCancel() {
  Action action = Action::none;
  {
    std::lock_guard lock(link_->mutex);
    action = end_locked(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
  }
  perform(action);
}

void JobWatch::OnDone() {
  {
    std::lock_guard lock(link_->mutex);
    link_->watch = nullptr;
  }
  subscription_.reset();  // outside our lock: it may wait for a callback that takes it
  registry_.remove(link_);
  delete this;
}

}  // namespace stopd::api
