#include "stopd/core/logging_observer.hpp"

namespace stopd::core {

void LoggingObserver::on_event(const StopEvent& event) {
  spdlog::logger& logger = *logger_;
  const auto level =
      event.kind == StopEventKind::finished ? spdlog::level::info : spdlog::level::debug;
  if (!logger.should_log(level)) return;
  std::string line =
      "stop=" + std::string(event.stop_id) + " type=" + std::string(event.type) + " target=" +
      event.request().target.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
      " event=" + std::string(to_string(event.kind));
  if (event.attempt > 0) line += " attempt=" + std::to_string(event.attempt);
  if (!event.phase.empty()) line += " phase=" + std::string(event.phase);
  if (event.facts != nullptr)
    line += " facts=" + event.facts->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (event.kind == StopEventKind::retry_scheduled)
    line += " retry_in_ms=" + std::to_string(event.retry_in.count());
  if (event.result != nullptr)
    line += " code=" + std::string(sdk::to_string(event.result->outcome.code)) +
            " forced=" + (event.result->outcome.forced ? "true" : "false") +
            " duration_ms=" + std::to_string(event.result->duration().count()) + " message=" +
            nlohmann::json(event.result->outcome.message)
                .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  logger.log(level, "{}", line);
}

}  // namespace stopd::core
