// What a failed CRI call means for a stop: the gRPC status of the runtime's answer mapped onto the
// SDK's outcome codes, with a message that says which call failed against which endpoint.
#pragma once

#include <grpcpp/support/status.h>

#include <string>
#include <string_view>

#include "stopd/sdk/outcome.hpp"

namespace stopd::cri {

// UNAVAILABLE, RESOURCE_EXHAUSTED and ABORTED are transient (`unavailable`, retried by the host);
// NOT_FOUND is `not_found`; the codes that exist on both sides keep their meaning; UNIMPLEMENTED
// is `failed_precondition` (the runtime does not serve runtime.v1); anything else is `internal`.
sdk::Code code_for(grpc::StatusCode status);

// "ContainerStatus 3f2a… at unix:///run/containerd/containerd.sock: <runtime's message>", or for
// UNAVAILABLE "cannot reach the CRI runtime at <endpoint> (ContainerStatus 3f2a…): <message>".
// `call` names the RPC and its subject.
std::string describe_failure(const grpc::Status& status, std::string_view call,
                             std::string_view endpoint);

sdk::StopOutcome outcome_for(const grpc::Status& status, std::string_view call,
                             std::string_view endpoint);

// The same as a StopError, for inspect() and list().
[[noreturn]] void throw_for(const grpc::Status& status, std::string_view call,
                            std::string_view endpoint);

}  // namespace stopd::cri
