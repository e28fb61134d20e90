// The pieces of the Authenticator, each testable through it.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "stopd/daemon_config/daemon_config.hpp"

namespace stopd::core::auth_detail {

// The token of "Bearer <token>" (scheme case-insensitive, spaces around tolerated); nullopt for
// anything else, an empty value included.
std::optional<std::string_view> bearer_token(std::string_view authorization);

// "*", exact, or a prefix pattern "a.b.*" (matches "a.b.c", not "a.b").
bool type_matches(std::string_view pattern, std::string_view type);
bool scope_allows_type(const TokenScope& scope, std::string_view type);

// nullopt when every constraint of `scope` holds for `target`; else which one failed and why.
std::optional<std::string> target_violation(const TokenScope& scope, const nlohmann::json& target);

}  // namespace stopd::core::auth_detail
