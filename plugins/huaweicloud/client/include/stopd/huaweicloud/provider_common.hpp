// What the three Huawei Cloud providers do the same way: the project id every API path starts
// with, the `wait` option and the loop that waits, a dry run's answer, and the parts of
// ProviderInfo they share.
#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <variant>

#include "stopd/huaweicloud/call_scope.hpp"
#include "stopd/sdk/fields.hpp"
#include "stopd/sdk/provider.hpp"

namespace stopd::huaweicloud {

// The services' plain ids (project, cluster, instance, workspace): 1-64 letters, digits, '-' or
// '_', so that no id can leave the path segment it is put in. `what` describes the field.
sdk::TextRule plain_id(std::string what);

// The `wait` option of the providers that can wait for the resource to settle.
struct WaitOption {
  std::optional<bool> wait;
};
// Its declaration: `title` for the options schema, `meaning` says what waiting waits for.
sdk::Fields<WaitOption> wait_option_fields(std::string title, std::string meaning);

// The two schemas. Name, version, description and the capabilities the overrides imply come from
// STOPD_PLUGIN; drain is the caller's.
sdk::ProviderInfo provider_info(nlohmann::json target_schema, nlohmann::json options_schema);

// A dry run's answer from what inspect() saw: already_stopped, not_found or stopped (would stop).
sdk::StopOutcome dry_run_outcome(const sdk::Inspection& inspection);

// The `wait` option's loop: reads the resource every `interval` and reports each status read as
// progress ("waiting"), until `settled` ends the stop with an outcome, the deadline passes or the
// stop is cancelled. A read that failed as unavailable is tried again at the next poll; one
// failed otherwise ends the stop, with `details` (as they are then) added to its own. A read cut
// short by the deadline or a cancellation ends the wait as a sleep would. Returns the outcome
// that ended the stop, or nullopt when time ran out or the stop was cancelled: the caller words
// that outcome, with the last status it saw.
template <class Status>
std::optional<sdk::StopOutcome> wait_until_settled(
    const CallScope& scope, sdk::StopContext& context, std::chrono::milliseconds interval,
    const std::function<std::variant<Status, sdk::StopOutcome>()>& read,
    const std::function<std::optional<sdk::StopOutcome>(const Status&)>& settled,
    const nlohmann::json& details) {
  for (;;) {
    if (!sleep_within(scope, Clock::now() + interval)) return std::nullopt;
    if (Clock::now() >= context.deadline()) return std::nullopt;
    auto answer = read();
    if (auto* failed = std::get_if<sdk::StopOutcome>(&answer)) {
      if (failed->code == sdk::Code::deadline_exceeded || failed->code == sdk::Code::cancelled)
        return std::nullopt;
      if (failed->code == sdk::Code::unavailable) continue;
      failed->details.update(details);
      return std::move(*failed);
    }
    const Status& status = std::get<Status>(answer);
    context.progress("waiting", {{"status", status}});
    if (auto outcome = settled(status)) return outcome;
  }
}

}  // namespace stopd::huaweicloud
