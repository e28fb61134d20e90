// Between the outcome codes (sdk::Code) and gRPC status codes, for the daemon's service and
// stopctl's client alike. Header-only: include it only where gRPC is linked.
//
//   invalid_argument    ↔ INVALID_ARGUMENT      unavailable        ↔ UNAVAILABLE
//   not_found           ↔ NOT_FOUND             deadline_exceeded  ↔ DEADLINE_EXCEEDED
//   unauthenticated     ↔ UNAUTHENTICATED       cancelled          ↔ CANCELLED
//   permission_denied   ↔ PERMISSION_DENIED     internal           ↔ INTERNAL
//   failed_precondition ↔ FAILED_PRECONDITION   stopped, already_stopped → OK
//
// Codes gRPC has and stopd's outcomes do not: RESOURCE_EXHAUSTED (a message over the size
// limit) and ALREADY_EXISTS (a request_id used by another requester) map to invalid_argument,
// UNIMPLEMENTED (a daemon too old for the call) and ABORTED (an update of something another
// client changed since it was read) to failed_precondition, everything else to internal.
#pragma once

#include <grpcpp/support/status.h>

#include "stopd/sdk/outcome.hpp"

namespace stopd::core {

constexpr grpc::StatusCode to_grpc_code(sdk::Code code) {
  switch (code) {
    case sdk::Code::stopped:
    case sdk::Code::already_stopped:
      return grpc::StatusCode::OK;
    case sdk::Code::not_found:
      return grpc::StatusCode::NOT_FOUND;
    case sdk::Code::invalid_argument:
      return grpc::StatusCode::INVALID_ARGUMENT;
    case sdk::Code::unauthenticated:
      return grpc::StatusCode::UNAUTHENTICATED;
    case sdk::Code::permission_denied:
      return grpc::StatusCode::PERMISSION_DENIED;
    case sdk::Code::failed_precondition:
      return grpc::StatusCode::FAILED_PRECONDITION;
    case sdk::Code::unavailable:
      return grpc::StatusCode::UNAVAILABLE;
    case sdk::Code::deadline_exceeded:
      return grpc::StatusCode::DEADLINE_EXCEEDED;
    case sdk::Code::cancelled:
      return grpc::StatusCode::CANCELLED;
    case sdk::Code::internal:
      return grpc::StatusCode::INTERNAL;
  }
  return grpc::StatusCode::INTERNAL;
}

// The outcome class of a failed RPC (for stopctl's exit code); `stopped` for OK.
constexpr sdk::Code from_grpc_code(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return sdk::Code::stopped;
    case grpc::StatusCode::NOT_FOUND:
      return sdk::Code::not_found;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::ALREADY_EXISTS:
      return sdk::Code::invalid_argument;
    case grpc::StatusCode::UNAUTHENTICATED:
      return sdk::Code::unauthenticated;
    case grpc::StatusCode::PERMISSION_DENIED:
      return sdk::Code::permission_denied;
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::UNIMPLEMENTED:
    case grpc::StatusCode::ABORTED:
      return sdk::Code::failed_precondition;
    case grpc::StatusCode::UNAVAILABLE:
      return sdk::Code::unavailable;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return sdk::Code::deadline_exceeded;
    case grpc::StatusCode::CANCELLED:
      return sdk::Code::cancelled;
    default:
      return sdk::Code::internal;
  }
}

}  // namespace stopd::core
