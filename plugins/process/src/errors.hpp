// Turning errno values into the SDK's stable codes, with messages that say what was attempted.
#pragma once

#include <string>
#include <string_view>

#include "stopd/sdk/outcome.hpp"

namespace stopd::process {

// "Too many open files" etc.
std::string errno_text(int error);

// EPERM/EACCES → permission_denied, EMFILE/ENFILE/ENOMEM/EAGAIN → unavailable (retryable: the
// host tries again within the deadline), anything else → internal.
sdk::Code code_for_errno(int error);

// StopError(code_for_errno(error), "<what>: <errno text>").
[[noreturn]] void throw_errno(int error, std::string_view what);

}  // namespace stopd::process
