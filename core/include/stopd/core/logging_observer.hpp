// Writes the dispatcher's events to the host log: every finished stop at info (with its outcome),
// everything else at debug. Formats nothing unless the level is enabled.
#pragma once

#include "stopd/core/stop_observer.hpp"

namespace stopd::core {

class LoggingObserver final : public StopObserver {
 public:
  void on_event(const StopEvent& event) override;
};

}  // namespace stopd::core
