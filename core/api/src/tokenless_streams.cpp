#include "tokenless_streams.hpp"

#include <algorithm>
#include <string>

#include "caller.hpp"
#include "stopd/core/logging.hpp"
#include "stopd/sdk/outcome.hpp"

namespace stopd::api {

std::size_t tokenless_stream_limit(int max_threads) {
  return std::max<std::size_t>(
      1, static_cast<std::size_t>(std::max(max_threads, 0) / kTokenlessStreamShare));
}

TokenlessStreams::TokenlessStreams(const core::Authenticator& authenticator, int max_threads)
    : authenticator_(authenticator),
      max_threads_(max_threads),
      limit_(tokenless_stream_limit(max_threads)) {}

bool TokenlessStreams::authenticated(const grpc::ServerContextBase& context) const {
  try {
    authenticate(authenticator_, context);
    return true;
  } catch (const sdk::StopError&) {
    // No token, or one that is not known: such a stream needs none, and takes a slot instead.
    return false;
  }
}

bool TokenlessStreams::try_open() {
  std::lock_guard lock(mutex_);
  if (open_ >= limit_) return false;
  ++open_;
  return true;
}

void TokenlessStreams::close() {
  std::lock_guard lock(mutex_);
  --open_;
}

grpc::Status TokenlessStreams::refusal(std::string_view method,
                                       const grpc::ServerContextBase& context) const {
  const std::string limit = "the limit of " + std::to_string(limit_) + " (listen.max_threads " +
                            std::to_string(max_threads_) + " / " +
                            std::to_string(kTokenlessStreamShare) + ")";
  core::host_logger()->info("rpc={} code=resource_exhausted peer={} streams without a token: {}",
                            method, context.peer(), limit);
  return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                      "streams without a token: " + limit +
                          " are open; close one, or send a token (callers with one are not "
                          "counted)");
}

}  // namespace stopd::api
