// An sdk::Logger that keeps every line, for ProviderConfig::logger in tests.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "stopd/sdk/logger.hpp"

namespace stopd::test {

class RecordingLogger final : public sdk::Logger {
 public:
  void log(sdk::LogLevel level, std::string_view message) override;
  bool enabled(sdk::LogLevel) const override { return true; }
  std::vector<std::pair<sdk::LogLevel, std::string>> lines() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::pair<sdk::LogLevel, std::string>> lines_;
};

}  // namespace stopd::test
