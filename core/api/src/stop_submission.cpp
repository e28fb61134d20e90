#include "stop_submission.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>

#include "convert.hpp"
#include "stopd/sdk/outcome.hpp"

namespace stopd::api {
namespace {

using sdk::Code;
using sdk::StopError;

[[noreturn]] void invalid(const std::string& message) {
  throw StopError(Code::invalid_argument, message);
}

std::string number_text(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

// Seconds as milliseconds; `minimum_exclusive` refuses 0 as well.
std::chrono::milliseconds checked_seconds(double seconds, const char* field,
                                          bool minimum_exclusive) {
  const bool too_small = minimum_exclusive ? !(seconds > 0.0) : !(seconds >= 0.0);
  if (!std::isfinite(seconds) || too_small)
    invalid(std::string(field) + ": expected a number of seconds " +
            (minimum_exclusive ? "> 0" : ">= 0") + ", got " + number_text(seconds));
  if (seconds > kMaxRequestSeconds)
    invalid(std::string(field) + ": " + number_text(seconds) +
            " seconds is more than the limit of " + number_text(kMaxRequestSeconds) + " (a year)");
  return std::chrono::milliseconds(static_cast<long long>(std::llround(seconds * 1000.0)));
}

nlohmann::json object_of(const google::protobuf::Struct& value, const char* field) {
  try {
    return from_struct(value);
  } catch (const std::exception& e) {
    invalid(std::string(field) + ": " + e.what());
  }
}

}  // namespace

core::JobSubmission to_submission(const v1::StopRequest& request) {
  core::JobSubmission submission;
  sdk::StopRequest& stop = submission.request;

  if (request.type().empty()) invalid("type: required (a resource type such as local.process)");
  stop.type = request.type();

  switch (request.mode()) {
    case v1::MODE_UNSPECIFIED:
    case v1::MODE_GRACEFUL:
      stop.mode = sdk::Mode::graceful;
      break;
    case v1::MODE_IMMEDIATE:
      stop.mode = sdk::Mode::immediate;
      break;
    default:
      invalid("mode: unknown value " + std::to_string(static_cast<int>(request.mode())) +
              " (expected MODE_GRACEFUL or MODE_IMMEDIATE)");
  }

  if (stop.mode == sdk::Mode::immediate) {
    if (request.has_grace_seconds())
      invalid(
          "grace_seconds: not allowed with MODE_IMMEDIATE (immediate forces at once; a grace "
          "says how long to wait before forcing)");
    if (request.unbounded_grace()) invalid("unbounded_grace: not allowed with MODE_IMMEDIATE");
  } else if (request.unbounded_grace()) {
    if (request.has_grace_seconds())
      invalid("grace_seconds: not allowed together with unbounded_grace (give one or the other)");
    stop.grace = std::nullopt;
  } else if (request.has_grace_seconds()) {
    stop.grace = checked_seconds(request.grace_seconds(), "grace_seconds", false);
  }  // else: the SDK's default grace (10 s)

  if (request.has_deadline_seconds())
    submission.deadline = checked_seconds(request.deadline_seconds(), "deadline_seconds", true);

  stop.target = object_of(request.target(), "target");
  stop.options = object_of(request.options(), "options");
  stop.dry_run = request.dry_run();

  if (request.request_id().size() > kMaxRequestIdBytes)
    invalid("request_id: " + std::to_string(request.request_id().size()) +
            " bytes is more than the limit of " + std::to_string(kMaxRequestIdBytes));
  submission.request_id = request.request_id();
  return submission;
}

}  // namespace stopd::api
