#include "errors.hpp"

#include <cerrno>
#include <cstring>

namespace stopd::process {

std::string errno_text(int error) {
  return ::strerrordesc_np(error) ? ::strerrordesc_np(error) : "errno " + std::to_string(error);
}

sdk::Code code_for_errno(int error) {
  switch (error) {
    case EPERM:
    case EACCES:
      return sdk::Code::permission_denied;
    case EMFILE:
    case ENFILE:
    case ENOMEM:
    case EAGAIN:
      return sdk::Code::unavailable;
    default:
      return sdk::Code::internal;
  }
}

void throw_errno(int error, std::string_view what) {
  std::string message(what);
  message += ": ";
  message += errno_text(error);
  if (error == EMFILE || error == ENFILE)
    message += " (this process is out of file descriptors; retry later or raise RLIMIT_NOFILE)";
  throw sdk::StopError(code_for_errno(error), message);
}

}  // namespace stopd::process
