#include "stopd/cri/status_mapping.hpp"

#include "stopd/grpc_status/grpc_status.hpp"

namespace stopd::cri {

sdk::Code code_for(grpc::StatusCode status) {
  // The daemon's own mapping reads RESOURCE_EXHAUSTED as an oversized request; from a runtime it
  // and ABORTED (a concurrent change of the same container) mean "try again".
  if (status == grpc::StatusCode::RESOURCE_EXHAUSTED || status == grpc::StatusCode::ABORTED)
    return sdk::Code::unavailable;
  return core::from_grpc_code(status);
}

std::string describe_failure(const grpc::Status& status, std::string_view call,
                             std::string_view endpoint) {
  // The runtime's own message is kept whole but bounded: it is all an operator sees of the cause.
  std::string detail = status.error_message().substr(0, 1000);
  if (detail.empty()) detail = "(no message)";
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      return "cannot reach the CRI runtime at " + std::string(endpoint) + " (" + std::string(call) +
             "): " + detail;
    case grpc::StatusCode::UNIMPLEMENTED:
      return std::string(call) + ": the CRI runtime at " + std::string(endpoint) +
             " does not implement runtime.v1 (" + detail + ")";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return std::string(call) + ": the CRI runtime at " + std::string(endpoint) +
             " did not answer before the deadline (" + detail + ")";
    default:
      return std::string(call) + " at " + std::string(endpoint) + ": " + detail;
  }
}

sdk::StopOutcome outcome_for(const grpc::Status& status, std::string_view call,
                             std::string_view endpoint) {
  return sdk::StopOutcome::make(code_for(status.error_code()),
                                describe_failure(status, call, endpoint),
                                {{"grpc_code", static_cast<int>(status.error_code())}});
}

void throw_for(const grpc::Status& status, std::string_view call, std::string_view endpoint) {
  throw sdk::StopError(code_for(status.error_code()), describe_failure(status, call, endpoint));
}

}  // namespace stopd::cri
