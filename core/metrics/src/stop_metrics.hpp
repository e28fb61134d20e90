// The metric families and the observer that feeds them from dispatcher events. Series of one
// resource type are looked up once and cached, so an event costs a map lookup by string_view under
// a shared lock, and no label building.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>

#include "stopd/core/stop_observer.hpp"
#include "stopd/sdk/outcome.hpp"

namespace stopd::core::metrics_detail {

// Beyond this many distinct types, further ones share the series of type "other": a bound on
// memory whatever types callers invent.
inline constexpr std::size_t kMaxTypes = 256;

struct TypeSeries {
  std::array<prometheus::Counter*, sdk::kCodeNames.size()> stops{};  // by outcome code
  prometheus::Counter* retries = nullptr;
  prometheus::Histogram* duration = nullptr;
  prometheus::Gauge* in_flight = nullptr;
};

class StopMetrics {
 public:
  StopMetrics();

  const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }
  TypeSeries& series(std::string_view type);
  void observe_journal_write(double seconds) { journal_write_.Observe(seconds); }
  void set_journal_dead_letters(double count) { journal_dead_letters_.Set(count); }

 private:
  TypeSeries& add_series(std::string_view type);

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& stops_;
  prometheus::Family<prometheus::Counter>& retries_;
  prometheus::Family<prometheus::Histogram>& duration_;
  prometheus::Family<prometheus::Gauge>& in_flight_;
  prometheus::Histogram& journal_write_;
  prometheus::Gauge& journal_dead_letters_;

  std::shared_mutex mutex_;
  std::map<std::string, std::unique_ptr<TypeSeries>, std::less<>> by_type_;
};

class StopMetricsObserver : public StopObserver {
 public:
  explicit StopMetricsObserver(std::shared_ptr<StopMetrics> metrics)
      : metrics_(std::move(metrics)) {}
  void on_event(const StopEvent& event) override;

 private:
  std::shared_ptr<StopMetrics> metrics_;
};

}  // namespace stopd::core::metrics_detail
