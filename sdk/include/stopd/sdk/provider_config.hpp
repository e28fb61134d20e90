// What the host hands a provider's constructor: the operator's settings for it and a logger.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>

#include "stopd/sdk/logger.hpp"

namespace stopd::sdk {

struct ProviderConfig {
  nlohmann::json settings = nlohmann::json::object();  // already validated against kConfigSchema
  std::shared_ptr<Logger> logger;                      // never null
};

}  // namespace stopd::sdk
