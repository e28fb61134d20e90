// What the caller asked for. By the time a provider sees a request, the host has validated
// `target` and `options` against the provider's schemas.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace stopd::sdk {

enum class Mode {
  graceful,   // ask nicely, wait at most the grace, then force
  immediate,  // force now: StopContext::force_at() is already past when the provider runs
};

struct StopRequest {
  std::string type;                                   // e.g. "local.process"
  nlohmann::json target = nlohmann::json::object();   // identifies one resource
  nlohmann::json options = nlohmann::json::object();  // provider-specific knobs
  Mode mode = Mode::graceful;
  // How long the graceful path may take before the provider forces. nullopt = unbounded
  // ("drain": wait until the resource finishes its work, e.g. CDM delayTime -1).
  // Ignored when mode is immediate. Providers should schedule by StopContext::force_at(),
  // which folds in this grace and any later escalation.
  std::optional<std::chrono::milliseconds> grace = std::chrono::seconds(10);
  // The caller's flag, for the host alone: it answers a dry run itself through
  // IStopProvider::inspect() (target schema-checked first, as for a stop) and never passes one to
  // stop() or start(). Providers ignore it.
  bool dry_run = false;
};

}  // namespace stopd::sdk
