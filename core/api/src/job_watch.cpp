#include "job_watch.hpp"

#include "convert.hpp"
#include "rpc_call.hpp"
#include "rpc_status.hpp"
#include "stopd/core/logging.hpp"

namespace stopd::api {

void WatchQueue::push(v1::JobEvent event, bool last) {
  {
    std::lock_guard lock(mutex_);
    if (last_queued_ || end_) return;
    pending_.push_back(std::move(event));
    last_queued_ = last;
  }
  changed_.notify_one();
}

void WatchQueue::end(grpc::Status status) {
  {
    std::lock_guard lock(mutex_);
    if (!end_) end_ = std::move(status);
  }
  changed_.notify_one();
}

WatchQueue::Next WatchQueue::next(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return end_ || !pending_.empty(); });
  Next next;
  if (end_) {
    next.end = *end_;
  } else if (!pending_.empty()) {
    next.event = std::move(pending_.front());
    pending_.pop_front();
    next.last = last_queued_ && pending_.empty();
  }
  return next;
}

bool WatchRegistry::add(const std::shared_ptr<WatchQueue>& queue) {
  std::lock_guard lock(mutex_);
  if (ended_) return false;
  queues_.insert(queue);
  return true;
}

void WatchRegistry::remove(const std::shared_ptr<WatchQueue>& queue) {
  std::lock_guard lock(mutex_);
  queues_.erase(queue);
}

std::size_t WatchRegistry::size() const {
  std::lock_guard lock(mutex_);
  return queues_.size();
}

void WatchRegistry::end_all(const grpc::Status& status) {
  std::vector<std::shared_ptr<WatchQueue>> queues;
  {
    std::lock_guard lock(mutex_);
    ended_ = true;
    queues.assign(queues_.begin(), queues_.end());
  }
  for (const auto& queue : queues) queue->end(status);
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

grpc::Status stream_job_events(core::JobManager& jobs, const std::string& id,
                               WatchRegistry& registry, grpc::ServerContext& context,
                               grpc::ServerWriter<v1::JobEvent>& writer) {
  auto queue = std::make_shared<WatchQueue>();
  if (!registry.add(queue))
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "stopd is shutting down");
  struct Registered {
    WatchRegistry& registry;
    const std::shared_ptr<WatchQueue>& queue;
    ~Registered() { registry.remove(queue); }
  } registered{registry, queue};

  std::shared_ptr<void> subscription;
  try {
    // The snapshot arrives synchronously, inside watch(); later events on other threads.
    subscription = jobs.watch(id, [queue](const core::JobEvent& event) {
      queue->push(to_proto(event), event.job.is_finished());
    });
  } catch (...) {
    return status_of_current_exception("WatchJob");
  }
  for (;;) {
    WatchQueue::Next next = queue->next(kCancelCheckInterval);
    if (next.end) return *next.end;
    if (next.event) {
      if (!writer.Write(*next.event))
        return grpc::Status(grpc::StatusCode::CANCELLED, "the stream was broken");
      if (next.last) return grpc::Status::OK;
      continue;
    }
    if (context.IsCancelled()) return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
  }
}

}  // namespace stopd::api
