#include "stopd/core/stop_result.hpp"

#include <ctime>

namespace stopd::core {
namespace {

// RFC 3339 in UTC with milliseconds: what reports and the journal show.
std::string timestamp(std::chrono::system_clock::time_point at) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  const size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + n, sizeof text - n, ".%03lldZ", static_cast<long long>(ms % 1000));
  return text;
}

}  // namespace

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
                        {"started", timestamp(result.started)},
                        {"finished", timestamp(result.finished)}};
}

}  // namespace stopd::core
