#include "rpc_call.hpp"

#include "rpc_status.hpp"
#include "stopd/core/bounded_json.hpp"
#include "stopd/core/logging.hpp"

namespace stopd::api {

const grpc::Status& shutting_down_status() {
  static const grpc::Status status(grpc::StatusCode::UNAVAILABLE, "stopd is shutting down");
  return status;
}

std::string echo(const std::string& value) {
  return "'" + core::text_excerpt(value, 80) + "'";
}

grpc::Status refusal(std::string_view method, const grpc::ServerContextBase& context) {
  try {
    throw;
  } catch (const sdk::StopError& e) {
    if (e.code() == sdk::Code::unauthenticated || e.code() == sdk::Code::permission_denied) {
      core::host_logger()->info("rpc={} code={} peer={} {}", method, sdk::to_string(e.code()),
                                context.peer(), e.what());
      return status_of(e);
    }
    return status_of_current_exception(method);
  } catch (...) {
    return status_of_current_exception(method);
  }
}

}  // namespace stopd::api
