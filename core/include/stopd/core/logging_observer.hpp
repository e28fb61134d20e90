// Writes the dispatcher's events to a logger (the dispatcher's): every finished stop at info (with
// its outcome), everything else at debug. Formats nothing unless the level is enabled.
#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <utility>

#include "stopd/core/stop_observer.hpp"

namespace stopd::core {

class LoggingObserver final : public StopObserver {
 public:
  // Held, not looked up per event: every stop's events pass here, from whichever thread ends
  // it, and a shared_ptr copy per event made those threads contend on one reference count.
  explicit LoggingObserver(std::shared_ptr<spdlog::logger> logger) : logger_(std::move(logger)) {}

  void on_event(const StopEvent& event) override;

 private:
  const std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace stopd::core
