#include "plugin_output.hpp"

#include "stopd/core/bounded_json.hpp"
#include "stopd/core/input_limits.hpp"
#include "stopd/core/logging.hpp"

namespace stopd::core {

std::string contained_text(std::string text) {
  if (invalid_utf8_at(text)) text = repair_utf8(text);
  if (text.size() > limits::kMaxMessageBytes) text = text_excerpt(text, limits::kMaxMessageBytes);
  return text;
}

void contain_json(nlohmann::json& value, std::string_view type, std::string_view what) {
  if (make_json_safe(value))
    host_logger()->warn(
        "type={} the plugin's {} held invalid UTF-8 or nested more than {} levels; "
        "repaired",
        type, what, limits::kMaxNesting);
}

void contain_outcome(sdk::StopOutcome& outcome, std::string_view type) {
  outcome.message = contained_text(std::move(outcome.message));
  contain_json(outcome.details, type, "outcome details");
}

}  // namespace stopd::core
