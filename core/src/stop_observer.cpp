#include "stopd/core/stop_observer.hpp"

namespace stopd::core {

std::string_view to_string(StopEventKind kind) {
  switch (kind) {
    case StopEventKind::queued:
      return "queued";
    case StopEventKind::started:
      return "started";
    case StopEventKind::progress:
      return "progress";
    case StopEventKind::joined:
      return "joined";
    case StopEventKind::escalated:
      return "escalated";
    case StopEventKind::retry_scheduled:
      return "retry_scheduled";
    case StopEventKind::finished:
      return "finished";
  }
  return "unknown";
}

}  // namespace stopd::core
