#include "stopd/core/registry.hpp"

#include <stdexcept>

namespace stopd::core {
namespace {

JsonSchema compile(const nlohmann::json& schema, const std::string& provider, const char* which) {
  try {
    return JsonSchema(schema);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("provider '" + provider + "' publishes an unusable " + which +
                                ": " + e.what());
  }
}

}  // namespace

const RegisteredProvider& ProviderRegistry::add(std::shared_ptr<sdk::IStopProvider> provider,
                                                std::filesystem::path library,
                                                std::shared_ptr<SupervisedPlugin> plugin_host,
                                                std::optional<sdk::ProviderInfo> info) {
  auto entry = std::make_unique<RegisteredProvider>();
  entry->info = info ? std::move(*info) : provider->info();
  const std::string& name = entry->info.name;
  if (name.empty()) throw std::invalid_argument("provider reports an empty name");
  if (auto existing = providers_.find(name); existing != providers_.end()) {
    const auto& other = existing->second->library;
    throw std::invalid_argument("resource type '" + name + "' is already provided by " +
                                (other.empty() ? std::string("the host") : other.string()));
  }
  entry->target_schema = compile(entry->info.target_schema, name, "target schema");
  entry->options_schema = compile(entry->info.options_schema, name, "options schema");
  entry->selector_schema = compile(entry->info.selector_schema, name, "selector schema");
  entry->concurrency = entry->info.default_concurrency > 0 ? entry->info.default_concurrency : 16;
  entry->provider = std::move(provider);
  entry->library = std::move(library);
  entry->plugin_host = std::move(plugin_host);
  auto& stored = providers_[name];
  stored = std::move(entry);
  return *stored;
}

const RegisteredProvider* ProviderRegistry::find(std::string_view name) const {
  auto it = providers_.find(name);
  return it == providers_.end() ? nullptr : it->second.get();
}

std::vector<const RegisteredProvider*> ProviderRegistry::all() const {
  std::vector<const RegisteredProvider*> out;
  out.reserve(providers_.size());
  for (const auto& [_, entry] : providers_) out.push_back(entry.get());
  return out;
}

std::string ProviderRegistry::names() const {
  std::string out;
  for (const auto& [name, _] : providers_) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out.empty() ? "(none)" : out;
}

void ProviderRegistry::configure(std::string_view name, std::optional<unsigned> concurrency,
                                 std::optional<unsigned> max_attempts) {
  auto it = providers_.find(name);
  if (it == providers_.end())
    throw std::invalid_argument("no provider named '" + std::string(name) + "'");
  if (concurrency == 0u || max_attempts == 0u)
    throw std::invalid_argument("limits must be at least 1");
  if (concurrency) it->second->concurrency = *concurrency;
  if (max_attempts) it->second->max_attempts = *max_attempts;
}

}  // namespace stopd::core
