#include "fault_injector.hpp"

#include <algorithm>
#include <stdexcept>

namespace stopd::hwemu {
namespace {

[[noreturn]] void fail(const std::string& field, const std::string& expected) {
  throw std::invalid_argument(field + ": expected " + expected);
}

double rate(const nlohmann::json& document, const char* name, double fallback) {
  const auto it = document.find(name);
  if (it == document.end()) return fallback;
  if (!it->is_number() || it->get<double>() < 0 || it->get<double>() > 1)
    fail(name, "a number from 0 to 1");
  return it->get<double>();
}

long long integer(const nlohmann::json& document, const char* name, long long fallback,
                  long long min, long long max) {
  const auto it = document.find(name);
  if (it == document.end()) return fallback;
  if (!it->is_number_integer() || it->get<long long>() < min || it->get<long long>() > max)
    fail(name, "an integer from " + std::to_string(min) + " to " + std::to_string(max));
  return it->get<long long>();
}

}  // namespace

nlohmann::json FaultSettings::to_json() const {
  nlohmann::json document = {{"latency_ms", latency.count()},    {"fail_rate", fail_rate},
                             {"fail_next", fail_next},           {"fail_status", fail_status},
                             {"hang_rate", hang_rate},           {"hang_next", hang_next},
                             {"hang_ms", hang_duration.count()}, {"method", method}};
  document["retry_after_s"] =
      retry_after_seconds ? nlohmann::json(*retry_after_seconds) : nlohmann::json();
  return document;
}

FaultSettings FaultSettings::from_json(const nlohmann::json& document) {
  if (!document.is_object()) fail("faults", "a JSON object");
  static const char* const kKnown[] = {"latency_ms",  "fail_rate",     "fail_next",
                                       "fail_status", "retry_after_s", "hang_rate",
                                       "hang_next",   "hang_ms",       "method"};
  for (const auto& [name, _] : document.items())
    if (std::find(std::begin(kKnown), std::end(kKnown), name) == std::end(kKnown))
      throw std::invalid_argument(name + ": unknown fault setting");
  FaultSettings settings;
  settings.latency = std::chrono::milliseconds(integer(document, "latency_ms", 0, 0, 600000));
  settings.fail_rate = rate(document, "fail_rate", 0);
  settings.fail_next = static_cast<unsigned>(integer(document, "fail_next", 0, 0, 1000000));
  settings.fail_status = static_cast<int>(integer(document, "fail_status", 503, 429, 599));
  if (settings.fail_status != 429 && settings.fail_status < 500)
    fail("fail_status", "429 or a 5xx status");
  if (document.contains("retry_after_s") && !document["retry_after_s"].is_null())
    settings.retry_after_seconds = static_cast<int>(integer(document, "retry_after_s", 0, 0, 3600));
  settings.hang_rate = rate(document, "hang_rate", 0);
  settings.hang_next = static_cast<unsigned>(integer(document, "hang_next", 0, 0, 1000000));
  settings.hang_duration =
      std::chrono::milliseconds(integer(document, "hang_ms", 600000, 1, 3600000));
  if (auto it = document.find("method"); it != document.end()) {
    if (!it->is_string()) fail("method", "GET, POST or \"\" (all)");
    settings.method = it->get<std::string>();
  }
  return settings;
}

void FaultInjector::set(FaultSettings settings) {
  std::lock_guard lock(mutex_);
  settings_ = std::move(settings);
}

FaultSettings FaultInjector::get() const {
  std::lock_guard lock(mutex_);
  return settings_;
}

FaultDecision FaultInjector::decide(const std::string& method) {
  std::lock_guard lock(mutex_);
  FaultDecision decision;
  if (!settings_.method.empty() && settings_.method != method) return decision;
  decision.latency = settings_.latency;
  std::uniform_real_distribution<double> dice(0.0, 1.0);
  if (settings_.hang_next > 0) {
    --settings_.hang_next;
    decision.hang = settings_.hang_duration;
    return decision;
  }
  if (settings_.hang_rate > 0 && dice(random_) < settings_.hang_rate) {
    decision.hang = settings_.hang_duration;
    return decision;
  }
  bool failing = false;
  if (settings_.fail_next > 0) {
    --settings_.fail_next;
    failing = true;
  } else if (settings_.fail_rate > 0 && dice(random_) < settings_.fail_rate) {
    failing = true;
  }
  if (failing) {
    decision.fail_status = settings_.fail_status;
    decision.retry_after_seconds = settings_.retry_after_seconds;
  }
  return decision;
}

}  // namespace stopd::hwemu
