// WatchJob on the synchronous server: the handler's thread sleeps on the watch's queue, as a Stop
// with `wait` sleeps on its job, and writes each event as it comes. The stream ends with OK after
// the job's last event, with CANCELLED when the client goes away, and with UNAVAILABLE when the
// daemon shuts down.
//
// Synchronous on purpose. A server with a single callback-API method makes gRPC (1.51) start a
// callback completion queue with its own polling threads; those then read most unary calls off
// the socket and hand each to a synchronous thread, which cost every Stop and GetJob a thread
// wake-up: a bare echo served that way took 1.3× the round trip of the same echo without it
// (tests/bench/rpc_roundtrip_bench.cpp). The price here is a sleeping thread per open watch.
#pragma once

#include <grpcpp/support/sync_stream.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>

#include "stopd/jobs/job_manager.hpp"
#include "stopd/v1/stopd.pb.h"

namespace stopd::api {

// One open stream's events, from the job manager's threads to the handler's.
class WatchQueue {
 public:
  // Ignored after the job's last event or after end().
  void push(v1::JobEvent event, bool last);
  // The stream ends with `status`, before any event still queued.
  void end(grpc::Status status);

  struct Next {
    std::optional<v1::JobEvent> event;
    bool last = false;                // `event` is the job's final one
    std::optional<grpc::Status> end;  // set instead of an event: end the stream with it
  };
  // The next event or the end; neither if `timeout` passed first.
  Next next(std::chrono::milliseconds timeout);

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<v1::JobEvent> pending_;
  bool last_queued_ = false;
  bool last_taken_ = false;
  std::optional<grpc::Status> end_;
};

// The streams open now, so a shutdown can end them.
class WatchRegistry {
 public:
  // False once end_all() ran: the caller refuses the stream.
  bool add(const std::shared_ptr<WatchQueue>& queue);
  void remove(const std::shared_ptr<WatchQueue>& queue);
  // Ends every open stream (and every later add fails).
  void end_all(const grpc::Status& status);
  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::unordered_set<std::shared_ptr<WatchQueue>> queues_;
  bool ended_ = false;
};

// Streams the events of job `id` (already authorized) to `writer` until one of the ends above.
grpc::Status stream_job_events(core::JobManager& jobs, const std::string& id,
                               WatchRegistry& registry, grpc::ServerContext& context,
                               grpc::ServerWriter<v1::JobEvent>& writer);

v1::JobEvent to_proto(const core::JobEvent& event);

}  // namespace stopd::api
