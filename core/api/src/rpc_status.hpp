// What an RPC handler answers when something throws: the outcome code's gRPC status with the
// message (which never holds a secret: tokens never reach exceptions), logged with the method.
#pragma once

#include <grpcpp/support/status.h>

#include <exception>
#include <string_view>

#include "stopd/sdk/outcome.hpp"

namespace stopd::api {

// A status message travels in the response's trailers, which a gRPC client refuses past its
// metadata limit (8 KiB by default) with RESOURCE_EXHAUSTED instead of the status: every message
// the daemon sends is cut to limits::kMaxMessageBytes, with "…".
grpc::Status bounded_status(grpc::StatusCode code, std::string_view message);

grpc::Status status_of(const sdk::StopError& error);

// Call inside a catch block: maps the exception in flight (sdk::StopError by its code,
// core::PlanError to INVALID_ARGUMENT, core::JournalError to UNAVAILABLE, anything else to
// INTERNAL) and logs it.
grpc::Status status_of_current_exception(std::string_view method);

}  // namespace stopd::api
