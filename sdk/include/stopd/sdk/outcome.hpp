// How a stop ended. The codes are stable: they are journaled, exported as metrics labels and
// mapped to exit codes, so they are never renumbered or renamed.
#pragma once

#include <array>
#include <boost/config.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace stopd::sdk {

enum class Code {
  stopped,              // it was running and no longer is
  already_stopped,      // it was not running; nothing was done (success, not an error)
  not_found,            // no such resource
  invalid_argument,     // the request is wrong; never retried
  unauthenticated,      // the backend rejected our credentials
  permission_denied,    // authenticated, but not allowed
  failed_precondition,  // the resource is in a state that forbids the stop
  unavailable,          // transient backend failure; the host retries it within the deadline
  deadline_exceeded,    // the deadline passed before the resource was confirmed stopped
  cancelled,            // the caller withdrew the stop
  internal,             // a bug: in the provider, the backend, or the host
};

inline constexpr std::array<std::string_view, 11> kCodeNames = {"stopped",
                                                                "already_stopped",
                                                                "not_found",
                                                                "invalid_argument",
                                                                "unauthenticated",
                                                                "permission_denied",
                                                                "failed_precondition",
                                                                "unavailable",
                                                                "deadline_exceeded",
                                                                "cancelled",
                                                                "internal"};

constexpr std::string_view to_string(Code code) {
  return kCodeNames[static_cast<size_t>(code)];
}

inline std::optional<Code> code_from_string(std::string_view name) {
  for (size_t i = 0; i < kCodeNames.size(); ++i)
    if (kCodeNames[i] == name) return static_cast<Code>(i);
  return std::nullopt;
}

// `stopped` and `already_stopped` both mean "it is not running now".
constexpr bool is_success(Code code) {
  return code == Code::stopped || code == Code::already_stopped;
}

struct StopOutcome {
  Code code = Code::internal;
  std::string message;
  bool forced = false;  // the graceful path ran out and the resource was killed
  nlohmann::json details = nlohmann::json::object();  // facts: job ids, exit code, signals sent…

  static StopOutcome make(Code code, std::string message,
                          nlohmann::json details = nlohmann::json::object()) {
    return StopOutcome{code, std::move(message), false, std::move(details)};
  }
};

// Thrown by a provider's inspect() or list() (or anywhere inside stop()) to fail with a specific
// code. Anything else a provider throws becomes `internal`.
// Visible so a catch in the host matches a throw from a plugin built with hidden visibility.
class BOOST_SYMBOL_VISIBLE StopError : public std::runtime_error {
 public:
  StopError(Code code, const std::string& message) : std::runtime_error(message), code_(code) {}
  Code code() const noexcept { return code_; }

 private:
  Code code_;
};

}  // namespace stopd::sdk
