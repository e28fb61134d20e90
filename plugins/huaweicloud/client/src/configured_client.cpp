#include "stopd/huaweicloud/configured_client.hpp"

#include "stopd/sdk/outcome.hpp"

namespace stopd::huaweicloud {

ConfiguredClient::ConfiguredClient(std::string type, const nlohmann::json& settings,
                                   const ServiceDefaults& defaults,
                                   std::shared_ptr<sdk::Logger> logger)
    : type_(std::move(type)), logger_(std::move(logger)) {
  PluginSettings parsed = parse_plugin_settings(settings, defaults);
  poll_interval_ = parsed.poll_interval;
  request_timeout_ = parsed.client.request_timeout;
  if (!parsed.configured) return;
  if (logger_)
    logger_->log(sdk::LogLevel::info, type_ + ": endpoint " + parsed.client.endpoint + ", auth " +
                                          parsed.client.credentials.describe());
  client_ =
      std::make_unique<ApiClient>(std::move(parsed.client), std::string(defaults.service), logger_);
}

ApiClient& ConfiguredClient::client() const {
  if (!client_)
    throw sdk::StopError(sdk::Code::failed_precondition,
                         type_ + " is not configured: set providers." + type_ +
                             ".settings.endpoint (or region) and .auth in the config file");
  return *client_;
}

}  // namespace stopd::huaweicloud
