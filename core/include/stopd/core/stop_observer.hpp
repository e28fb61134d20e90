// Everything the dispatcher does, as a stream of events: the journal, metrics, audit log and
// watchers hang off this. Observers run on the dispatcher's threads, outside its locks, and must
// be quick; they must not call back into the dispatcher synchronously.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
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
  // An event with its request at hand (as submitted).
  StopEvent(StopEventKind kind_, std::string_view stop_id_, const sdk::StopRequest& request)
      : kind(kind_), stop_id(stop_id_), type(request.type), request_(&request) {}
  // An event whose request is rebuilt only if an observer asks for it: most observers read the
  // type alone, and rebuilding parses the stored target (stored_request.hpp) on every event.
  using Expand = sdk::StopRequest (*)(const void* source);
  StopEvent(StopEventKind kind_, std::string_view stop_id_, std::string_view type_, Expand expand,
            const void* source)
      : kind(kind_), stop_id(stop_id_), type(type_), expand_(expand), source_(source) {}

  StopEventKind kind;
  std::string_view stop_id;
  std::string_view type;
  unsigned attempt = 0;
  std::string_view phase;                    // progress
  const nlohmann::json* facts = nullptr;     // progress
  std::chrono::milliseconds retry_in{0};     // retry_scheduled
  const StopResult* result = nullptr;        // finished
  std::chrono::system_clock::time_point at;  // set by the dispatcher when delivered

  // The request that started the stop. Observers of one event run one after another, so the
  // first call rebuilds it and the rest share it.
  const sdk::StopRequest& request() const {
    if (request_ == nullptr) request_ = &expanded_.emplace(expand_(source_));
    return *request_;
  }

 private:
  mutable const sdk::StopRequest* request_ = nullptr;
  mutable std::optional<sdk::StopRequest> expanded_;
  Expand expand_ = nullptr;
  const void* source_ = nullptr;
};

class StopObserver {
 public:
  virtual ~StopObserver() = default;
  virtual void on_event(const StopEvent& event) = 0;
};

}  // namespace stopd::core
