// The in-process BatchItemRunner (`stopctl --local`, tests, benchmarks): each item is one
// Dispatcher::submit, and its ticket's on_done reports back. No thread of its own.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "stopd/batch/batch_engine.hpp"
#include "stopd/core/dispatcher.hpp"

namespace stopd::core {

class DispatcherItemRunner final : public BatchItemRunner {
 public:
  explicit DispatcherItemRunner(Dispatcher& dispatcher) : dispatcher_(dispatcher) {}
  void start(const BatchItem& item, std::optional<std::chrono::steady_clock::time_point> deadline,
             Done done) override;
  void cancel(const std::string& item_id) override;

 private:
  Dispatcher& dispatcher_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<StopTicket>> running_;  // for cancel()
};

}  // namespace stopd::core
