// Turning a service's refusal into a stop outcome. By HTTP status: 400 invalid_argument,
// 401 unauthenticated, 403 permission_denied, 404 not_found, 409 failed_precondition,
// 429 and 5xx unavailable; a plugin can map its service's own error codes first (DLF answers
// "no such instance" as 400 DLF.6205, which is not_found). The message carries the service's
// code and text and the request id; the details carry them as fields.
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <string_view>

#include "stopd/huaweicloud/api_client.hpp"
#include "stopd/sdk/outcome.hpp"

namespace stopd::huaweicloud {

struct ErrorCodeMapping {
  std::string_view error_code;
  sdk::Code code;
};

sdk::Code code_for_http_status(long status);

// {"http_status": 404, "error_code": "…", "error_msg": "…", "request_id": "…", "attempts": 1}
nlohmann::json response_facts(const ApiResponse& response, unsigned attempts);

// "<service> refused to <action>: HTTP 404 Cdm.0011: …" with the facts above as details.
sdk::StopOutcome error_outcome(std::string_view service, std::string_view action,
                               const ApiResponse& response, unsigned attempts,
                               std::span<const ErrorCodeMapping> overrides = {});

// The outcome for a call that failed: its failure as it is, or error_outcome() for a non-2xx
// answer. nullopt when the call succeeded.
std::optional<sdk::StopOutcome> failure_of(std::string_view service, std::string_view action,
                                           const CallResult& result,
                                           std::span<const ErrorCodeMapping> overrides = {});

}  // namespace stopd::huaweicloud
