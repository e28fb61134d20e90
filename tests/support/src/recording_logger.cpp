#include "stopd/test/recording_logger.hpp"

namespace stopd::test {

void RecordingLogger::log(sdk::LogLevel level, std::string_view message) {
  std::lock_guard lock(mutex_);
  lines_.emplace_back(level, std::string(message));
}

std::vector<std::pair<sdk::LogLevel, std::string>> RecordingLogger::lines() const {
  std::lock_guard lock(mutex_);
  return lines_;
}

}  // namespace stopd::test
