#include "stopd/cli/rpc_error.hpp"

#include "stopd/cli/render.hpp"
#include "stopd/grpc_status/grpc_status.hpp"

namespace stopd::cli {
namespace {

// A TLS handshake that failed: the daemon is there, its certificate (or ours) is the problem.
bool tls_failure(const std::string& message) {
  for (const char* sign : {"handshake", "Handshake", "certificate", "SSL_ERROR"})
    if (message.find(sign) != std::string::npos) return true;
  return false;
}

std::string detail(const grpc::Status& status) {
  const std::string& message = status.error_message();
  return message.empty() ? std::string("(no message)") : shorten(message, 2000);
}

}  // namespace

CliError rpc_error(const grpc::Status& status, const RpcErrorContext& context) {
  const sdk::Code code = core::from_grpc_code(status.error_code());
  const std::string at = "stopd at " + context.endpoint;
  std::string message;
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      if (context.connected)
        message = at + " is unavailable: " + detail(status);
      else if (tls_failure(status.error_message()))
        message = "cannot reach " + at + ": " + detail(status) +
                  "; check --tls-ca (the CA that signed the daemon's certificate), "
                  "--tls-server-name (a name in that certificate) and, if the daemon requires "
                  "one, --tls-cert/--tls-key";
      else
        message = "cannot reach " + at + ": " + detail(status) +
                  "; start it with `stopd --config FILE`, point --socket or --address at it, or "
                  "use --local";
      break;
    case grpc::StatusCode::UNAUTHENTICATED:
      message =
          context.token_source.empty()
              ? at + " requires a token: " + detail(status) +
                    "; give it with --token-file FILE (or $STOPD_TOKEN, or --token)"
              : at + " rejected the token from " + context.token_source + ": " + detail(status);
      break;
    case grpc::StatusCode::PERMISSION_DENIED:
      message = (context.token_source.empty()
                     ? at + " does not allow this: "
                     : "the token from " + context.token_source + " does not allow this: ") +
                detail(status);
      break;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      // gRPC's own words when this call's deadline passed; anything else is stopd's answer (a
      // Stop that started but could not be journaled in time says so itself).
      if (context.timeout.count() <= 0 || status.error_message() != "Deadline Exceeded") {
        message = at + ": " + detail(status);
        break;
      }
      message = at + " did not answer within " + format_duration(context.timeout) +
                (context.timeout_given ? " (--timeout)" : " (raise it with --timeout SECONDS)") +
                ": " + detail(status);
      break;
    case grpc::StatusCode::UNIMPLEMENTED:
      message = at + " does not offer this call (an older stopd?): " + detail(status);
      break;
    default:
      message = detail(status);
      break;
  }
  return outcome_error(code, message);
}

}  // namespace stopd::cli
