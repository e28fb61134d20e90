// Prometheus metrics over HTTP (prometheus-cpp): stops by type and outcome, stop durations,
// stops in flight, retries, journal write latency.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "stopd/core/stop_observer.hpp"

namespace stopd::core {

class Metrics {
 public:
  // Serves /metrics on `listen` ("127.0.0.1:9464"). Throws std::runtime_error if it cannot bind.
  explicit Metrics(const std::string& listen);
  ~Metrics();

  // Counts and times every stop; add it to the dispatcher before the first submit.
  std::shared_ptr<StopObserver> stop_observer();
  // Records one journal write (JournalOptions::on_write).
  std::function<void(std::chrono::nanoseconds)> journal_write_recorder();
  // The port actually bound (useful with port 0).
  int port() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace stopd::core
