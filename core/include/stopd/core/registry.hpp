// The loaded providers, by resource type. Filled once at start-up by the plugin loader, then
// read-only: lookups need no locks.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "stopd/core/isolation.hpp"
#include "stopd/core/json_schema.hpp"
#include "stopd/sdk/provider.hpp"

namespace stopd::core {

struct RegisteredProvider {
  sdk::ProviderInfo info;
  std::shared_ptr<sdk::IStopProvider> provider;  // keeps its library loaded
  std::filesystem::path library;                 // empty for providers linked into the host
  JsonSchema target_schema;
  JsonSchema options_schema;
  JsonSchema selector_schema;
  unsigned concurrency = 16;  // the effective limit: operator's setting or the provider's default
  unsigned max_attempts = 0;  // operator's retry limit for this type; 0 = the dispatcher's default
  // Set when the provider runs in a plugin host process of its own (isolation: process).
  std::shared_ptr<SupervisedPlugin> plugin_host;

  const std::string& name() const { return info.name; }
};

class ProviderRegistry {
 public:
  // Compiles the provider's schemas. Throws std::invalid_argument when the name is taken (the
  // message names both libraries) or a schema is unusable.
  // `info` replaces provider->info() when given (the plugin loader completes it from the
  // plugin's descriptor).
  const RegisteredProvider& add(std::shared_ptr<sdk::IStopProvider> provider,
                                std::filesystem::path library,
                                std::shared_ptr<SupervisedPlugin> plugin_host = nullptr,
                                std::optional<sdk::ProviderInfo> info = std::nullopt);

  const RegisteredProvider* find(std::string_view name) const;
  std::vector<const RegisteredProvider*> all() const;  // sorted by name
  std::string names() const;                           // "a, b, c" for error messages
  bool empty() const { return providers_.empty(); }

  // Applies the operator's limits for one provider (from the config). Throws
  // std::invalid_argument for an unknown name or a zero limit.
  void configure(std::string_view name, std::optional<unsigned> concurrency,
                 std::optional<unsigned> max_attempts);

 private:
  std::map<std::string, std::unique_ptr<RegisteredProvider>, std::less<>> providers_;
};

}  // namespace stopd::core
