// WatchJob as a callback-API stream: no thread waits for a watched job. The job manager's events
// are queued and written one at a time; the stream ends with OK after the job's last event, with
// CANCELLED when the client goes away, and with UNAVAILABLE when the daemon shuts down.
#pragma once

#include <grpcpp/support/server_callback.h>

#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>

#include "stopd/core/job_manager.hpp"
#include "stopd/v1/stopd.pb.h"

namespace stopd::api {

class JobWatch;

// What the job manager's callback and the registry hold: the stream while it lasts.
struct WatchLink {
  std::mutex mutex;
  JobWatch* watch = nullptr;  // null once the stream is done
};

// The streams open now, so a shutdown can end them.
class WatchRegistry {
 public:
  // False once end_all() ran: the caller refuses the stream.
  bool add(const std::shared_ptr<WatchLink>& link);
  void remove(const std::shared_ptr<WatchLink>& link);
  // Ends every open stream (and every later add fails).
  void end_all(const grpc::Status& status);
  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::unordered_set<std::shared_ptr<WatchLink>> links_;
  bool ended_ = false;
};

class JobWatch final : public grpc::ServerWriteReactor<v1::JobEvent> {
 public:
  // Subscribes to job `id` (already authorized) and streams its events. Returns the reactor
  // gRPC drives; it deletes itself when done.
  static grpc::ServerWriteReactor<v1::JobEvent>* start(core::JobManager& jobs, std::string id,
                                                       WatchRegistry& registry);

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  enum class Action { none, write, finish };

  JobWatch(WatchRegistry& registry);
  void subscribe(core::JobManager& jobs, const std::string& id);

  // Each *_locked runs under link_->mutex and says what to do once it is released: gRPC
  // operations are never started under our lock.
  Action push_locked(const core::JobEvent& event);
  Action end_locked(grpc::Status status);
  Action next_locked();
  void perform(Action action);

  friend class WatchRegistry;

  WatchRegistry& registry_;
  std::shared_ptr<WatchLink> link_;
  std::shared_ptr<void> subscription_;
  // Guarded by link_->mutex:
  std::deque<v1::JobEvent> pending_;
  v1::JobEvent in_flight_;                  // the message being written (valid until OnWriteDone)
  bool writing_ = false;                    // a write is outstanding
  bool starting_ = true;                    // subscribe() has not returned: do not finish yet
  bool last_queued_ = false;                // the job's final event is queued or written
  bool finish_called_ = false;              // Finish() was (or is being) called
  std::optional<grpc::Status> end_status_;  // end early with this (cancel, shutdown, error)
  grpc::Status finish_status_;
};

// A WatchJob refused before it started (unauthenticated, not found, shutting down).
class RefusedWatch final : public grpc::ServerWriteReactor<v1::JobEvent> {
 public:
  explicit RefusedWatch(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

v1::JobEvent to_proto(const core::JobEvent& event);

}  // namespace stopd::api
