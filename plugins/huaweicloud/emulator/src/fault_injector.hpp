// Trouble on demand, for tests, benchmarks and users trying their retry settings: added latency,
// answers of 429 (APIGW.0308) or 5xx at a rate or for the next N requests (optionally with
// Retry-After), and requests that hang. Set by command-line flags and replaced at run time
// through PUT /_emulator/faults. Applies to the service APIs, never to /_emulator/.
#pragma once

#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>

namespace stopd::hwemu {

struct FaultSettings {
  std::chrono::milliseconds latency{0};
  double fail_rate = 0;                    // share of requests answered with fail_status
  unsigned fail_next = 0;                  // the next N requests are answered with fail_status
  int fail_status = 503;                   // 429 (APIGW.0308), 500, 502, 503 or 504
  std::optional<int> retry_after_seconds;  // sent with the failures
  double hang_rate = 0;                    // share of requests that hang
  unsigned hang_next = 0;                  // the next N requests hang
  std::chrono::milliseconds hang_duration{std::chrono::minutes(10)};
  std::string method;  // only requests with this method ("POST"); empty = all

  nlohmann::json to_json() const;
  // Throws std::invalid_argument naming the field. Absent fields keep their defaults.
  static FaultSettings from_json(const nlohmann::json& document);
};

struct FaultDecision {
  std::chrono::milliseconds latency{0};
  std::optional<int> fail_status;
  std::optional<int> retry_after_seconds;
  std::optional<std::chrono::milliseconds> hang;
};

class FaultInjector {
 public:
  explicit FaultInjector(FaultSettings settings) : settings_(std::move(settings)) {}
  void set(FaultSettings settings);
  FaultSettings get() const;
  // What to do to this request (consumes one of fail_next / hang_next).
  FaultDecision decide(const std::string& method);

 private:
  mutable std::mutex mutex_;
  FaultSettings settings_;
  std::mt19937_64 random_{std::random_device{}()};
};

}  // namespace stopd::hwemu
