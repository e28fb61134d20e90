// What a caller gets back for one submitted stop.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "stopd/sdk/outcome.hpp"

namespace stopd::core {

struct StopResult {
  std::string stop_id;       // the stop that did the work; shared by requests that joined it
  sdk::StopOutcome outcome;  // for a dry run: what would happen (details.dry_run = true)
  unsigned attempts = 0;     // provider calls made (0: refused before reaching the provider)
  bool joined = false;       // this request joined a stop of the same resource already in flight
  bool dry_run = false;      // nothing was changed; the outcome says what a real stop would do
  std::chrono::system_clock::time_point started;
  std::chrono::system_clock::time_point finished;

  std::chrono::milliseconds duration() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(finished - started);
  }
  bool succeeded() const { return sdk::is_success(outcome.code); }
};

// {"stop_id", "code", "message", "forced", "details", "attempts", "joined", "dry_run",
// "duration_ms",
//  "started", "finished"} — the shape `stopctl -o json`, the daemon and reports share.
nlohmann::json to_json(const StopResult& result);

}  // namespace stopd::core
