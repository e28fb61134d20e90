// From a plan to the items a batch runs: each step's target, or every target its selector
// matches, each one validated against its provider's schemas before anything runs.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "stopd/batch/batch_item.hpp"
#include "stopd/batch/batch_plan.hpp"
#include "stopd/sdk/request.hpp"

namespace stopd::core {

class Host;

// What expansion needs from the core: the dispatcher's request checks and the providers' list().
// The daemon and `stopctl --local` use HostBatchCatalog; tests may supply their own.
class BatchCatalog {
 public:
  virtual ~BatchCatalog() = default;
  // Dispatcher::validate: the message for an invalid request, or nullopt.
  virtual std::optional<std::string> validate(const sdk::StopRequest& request) const = 0;
  // Host::list: the targets matching `selector`. Throws sdk::StopError.
  virtual std::vector<nlohmann::json> list(std::string_view type,
                                           const nlohmann::json& selector) const = 0;
};

class HostBatchCatalog final : public BatchCatalog {
 public:
  explicit HostBatchCatalog(Host& host) : host_(host) {}
  std::optional<std::string> validate(const sdk::StopRequest& request) const override;
  std::vector<nlohmann::json> list(std::string_view type,
                                   const nlohmann::json& selector) const override;

 private:
  Host& host_;
};

// Every item of `plan`, in step order, ids "<step>#0", "<step>#1"… Each request is validated
// (known type, target and options against the schemas, grace) with `dry_run` set as asked.
// Throws PlanError naming every step and item that failed (unknown type, a selector the provider
// refused, a target missing a key…).
std::vector<BatchItem> expand_batch_plan(const BatchPlan& plan, const BatchCatalog& catalog,
                                         bool dry_run = false);

}  // namespace stopd::core
