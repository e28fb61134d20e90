// Everything the dispatcher does, as a stream of events: the journal, metrics, audit log and
// watchers hang off this. Observers run on the dispatcher's threads, outside its locks, and must
// be quick; they must not call back into the dispatcher synchronously.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string_view>

#include "stopd/core/stop_result.hpp"
#include "stopd/sdk/request.hpp"

namespace stopd::core {

enum class StopEventKind {
  queued,           // accepted, waiting for a free slot under the provider's concurrency limit
  started,          // an attempt began (attempt = 1, 2, …)
  progress,         // the provider reported a phase (phase, facts)
  joined,           // another request joined this stop
  escalated,        // a joining request moved force_at earlier (immediate or a shorter grace)
  retry_scheduled,  // the attempt was `unavailable`; the next one starts after retry_in
  finished,         // the stop ended (result)
};

std::string_view to_string(StopEventKind kind);

struct StopEvent {
  StopEvent(StopEventKind kind_, std::string_view stop_id_, const sdk::StopRequest& request_)
      : kind(kind_), stop_id(stop_id_), request(request_) {}

  StopEventKind kind;
  std::string_view stop_id;
  const sdk::StopRequest& request;  // the request that started the stop
  unsigned attempt = 0;
  std::string_view phase;                    // progress
  const nlohmann::json* facts = nullptr;     // progress
  std::chrono::milliseconds retry_in{0};     // retry_scheduled
  const StopResult* result = nullptr;        // finished
  std::chrono::system_clock::time_point at;  // set by the dispatcher when delivered
};

class StopObserver {
 public:
  virtual ~StopObserver() = default;
  virtual void on_event(const StopEvent& event) = 0;
};

}  // namespace stopd::core
