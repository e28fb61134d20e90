#include "stopd/huaweicloud/outcome_mapping.hpp"

namespace stopd::huaweicloud {

sdk::Code code_for_http_status(long status) {
  switch (status) {
    case 400:
      return sdk::Code::invalid_argument;
    case 401:
      return sdk::Code::unauthenticated;
    case 403:
      return sdk::Code::permission_denied;
    case 404:
      return sdk::Code::not_found;
    case 409:
    case 412:
      return sdk::Code::failed_precondition;
    case 429:
      return sdk::Code::unavailable;
    default:
      break;
  }
  if (status >= 500) return sdk::Code::unavailable;
  if (status >= 400) return sdk::Code::failed_precondition;
  return sdk::Code::internal;  // a 1xx/3xx answer to an API call is nobody's plan
}

nlohmann::json response_facts(const ApiResponse& response, unsigned attempts) {
  const ServiceError error = response.error();
  nlohmann::json facts = {{"http_status", response.status}, {"attempts", attempts}};
  if (!error.code.empty()) facts["error_code"] = error.code;
  if (!error.message.empty()) facts["error_msg"] = error.message;
  if (!error.request_id.empty()) facts["request_id"] = error.request_id;
  return facts;
}

sdk::StopOutcome error_outcome(std::string_view service, std::string_view action,
                               const ApiResponse& response, unsigned attempts,
                               std::span<const ErrorCodeMapping> overrides) {
  const ServiceError error = response.error();
  sdk::Code code = code_for_http_status(response.status);
  for (const auto& mapping : overrides)
    if (mapping.error_code == error.code) code = mapping.code;
  std::string message = std::string(service) + " refused to " + std::string(action) + ": HTTP " +
                        std::to_string(response.status);
  if (!error.code.empty()) message += " " + error.code;
  message += error.message.empty() ? std::string(" (no error message)") : ": " + error.message;
  if (!error.request_id.empty()) message += " (request id " + error.request_id + ")";
  if (attempts > 1) message += " after " + std::to_string(attempts) + " attempts";
  return sdk::StopOutcome::make(code, std::move(message), response_facts(response, attempts));
}

std::optional<sdk::StopOutcome> failure_of(std::string_view service, std::string_view action,
                                           const CallResult& result,
                                           std::span<const ErrorCodeMapping> overrides) {
  if (result.failure) return result.failure;
  if (!result.response)
    return sdk::StopOutcome::make(sdk::Code::internal, "the call ended without an answer");
  if (result.response->ok()) return std::nullopt;
  return error_outcome(service, action, *result.response, result.attempts, overrides);
}

}  // namespace stopd::huaweicloud
