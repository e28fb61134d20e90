// A StopRequest message as the JobSubmission the job manager takes, with the checks that belong
// to the API's own fields (mode, grace, deadline, request_id). The dispatcher checks the rest
// (type known, target and options against the provider's schemas and size limits).
#pragma once

#include "stopd/jobs/job_manager.hpp"
#include "stopd/v1/stopd.pb.h"

namespace stopd::api {

// The longest grace or deadline a request may ask for, in seconds (a year): beyond it a number
// is a mistake, and it keeps every conversion to milliseconds far from overflow.
inline constexpr double kMaxRequestSeconds = 365.0 * 24 * 3600;
inline constexpr std::size_t kMaxRequestIdBytes = 256;

// Throws sdk::StopError(invalid_argument) with a message that starts with the field's name
// ("grace_seconds: …"). Leaves `requester` empty.
core::JobSubmission to_submission(const v1::StopRequest& request);

}  // namespace stopd::api
