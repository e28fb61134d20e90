#include "stopd/core/stop_result.hpp"

#include "stopd/core/time_format.hpp"

namespace stopd::core {

nlohmann::json to_json(const StopResult& result) {
  return nlohmann::json{{"stop_id", result.stop_id},
                        {"code", sdk::to_string(result.outcome.code)},
                        {"message", result.outcome.message},
                        {"forced", result.outcome.forced},
                        {"details", result.outcome.details},
                        {"attempts", result.attempts},
                        {"joined", result.joined},
                        {"dry_run", result.dry_run},
                        {"duration_ms", result.duration().count()},
                        {"started", rfc3339_utc(result.started)},
                        {"finished", rfc3339_utc(result.finished)}};
}

}  // namespace stopd::core
