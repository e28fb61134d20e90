#include "rpc_status.hpp"

#include "stopd/batch/batch_plan.hpp"
#include "stopd/core/bounded_json.hpp"
#include "stopd/core/logging.hpp"
#include "stopd/grpc_status/grpc_status.hpp"
#include "stopd/jobs/job_store.hpp"

namespace stopd::api {

grpc::Status bounded_status(grpc::StatusCode code, std::string_view message) {
  return {code, core::text_excerpt(message, core::limits::kMaxMessageBytes)};
}

grpc::Status status_of(const sdk::StopError& error) {
  grpc::StatusCode code = core::to_grpc_code(error.code());
  // A StopError carrying a success code would be a bug; never answer OK with no response.
  if (code == grpc::StatusCode::OK) code = grpc::StatusCode::INTERNAL;
  return bounded_status(code, error.what());
}

grpc::Status status_of_current_exception(std::string_view method) {
  const auto logger = core::host_logger();
  try {
    throw;
  } catch (const sdk::StopError& e) {
    const auto level = e.code() == sdk::Code::internal ? spdlog::level::err : spdlog::level::debug;
    logger->log(level, "rpc={} code={} {}", method, sdk::to_string(e.code()), e.what());
    return status_of(e);
  } catch (const core::PlanError& e) {
    // Every problem, one per line: a plan is fixed in one go, not one error at a time.
    std::string message;
    for (const std::string& problem : e.problems())
      message += (message.empty() ? "" : "\n") + problem;
    logger->debug("rpc={} invalid plan: {}", method, message);
    return bounded_status(grpc::StatusCode::INVALID_ARGUMENT, message.empty() ? e.what() : message);
  } catch (const core::JournalError& e) {
    // The job was not recorded, so it was not accepted; a retry may well succeed (disk space).
    logger->error("rpc={} journal error: {}", method, e.what());
    return bounded_status(grpc::StatusCode::UNAVAILABLE, std::string("journal: ") + e.what());
  } catch (const std::exception& e) {
    logger->error("rpc={} failed: {}", method, e.what());
    return bounded_status(grpc::StatusCode::INTERNAL, e.what());
  } catch (...) {
    logger->error("rpc={} failed with an unknown exception", method);
    return {grpc::StatusCode::INTERNAL, "unknown error"};
  }
}

}  // namespace stopd::api
