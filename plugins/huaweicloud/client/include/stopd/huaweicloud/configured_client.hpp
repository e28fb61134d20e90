// A plugin's client as its settings make it: built at load time from providers.<type>.settings,
// or absent when the operator configured nothing. An unconfigured plugin still loads (stopctl
// lists and describes it, other plugins are unaffected); its stops fail with
// failed_precondition naming the settings to add.
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "stopd/huaweicloud/api_client.hpp"
#include "stopd/huaweicloud/client_settings.hpp"
#include "stopd/sdk/logger.hpp"

namespace stopd::huaweicloud {

class ConfiguredClient {
 public:
  // Throws std::invalid_argument for settings that are present but wrong.
  ConfiguredClient(std::string type, const nlohmann::json& settings,
                   const ServiceDefaults& defaults, std::shared_ptr<sdk::Logger> logger);

  // Throws sdk::StopError(failed_precondition) when the plugin has no settings.
  ApiClient& client() const;
  bool configured() const { return client_ != nullptr; }
  std::chrono::milliseconds poll_interval() const { return poll_interval_; }
  std::chrono::milliseconds request_timeout() const { return request_timeout_; }
  const std::shared_ptr<sdk::Logger>& logger() const { return logger_; }

 private:
  std::string type_;
  std::shared_ptr<sdk::Logger> logger_;
  std::unique_ptr<ApiClient> client_;
  std::chrono::milliseconds poll_interval_;
  std::chrono::milliseconds request_timeout_;
};

}  // namespace stopd::huaweicloud
