#include "stopd/huaweicloud/provider_common.hpp"

namespace stopd::huaweicloud {

sdk::TextRule plain_id(std::string what) {
  return sdk::text().pattern("^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$").describe(std::move(what));
}

sdk::Fields<WaitOption> wait_option_fields(std::string title, std::string meaning) {
  return sdk::Fields<WaitOption>()
      .title(std::move(title))
      .optional("wait", &WaitOption::wait, sdk::flag().describe(std::move(meaning)));
}

sdk::ProviderInfo provider_info(nlohmann::json target_schema, nlohmann::json options_schema) {
  sdk::ProviderInfo info;
  info.target_schema = std::move(target_schema);
  info.options_schema = std::move(options_schema);
  return info;
}

sdk::StopOutcome dry_run_outcome(const sdk::Inspection& inspection) {
  using State = sdk::Inspection::State;
  const sdk::Code code = inspection.state == State::stopped  ? sdk::Code::already_stopped
                         : inspection.state == State::absent ? sdk::Code::not_found
                                                             : sdk::Code::stopped;
  return sdk::StopOutcome::make(code, "dry run: " + inspection.summary, inspection.facts);
}

}  // namespace stopd::huaweicloud
