#include "stopd/core/target_arguments.hpp"

#include <charconv>
#include <stdexcept>

#include "stopd/core/bounded_json.hpp"

namespace stopd::core {
namespace {

using nlohmann::json;

std::vector<std::string> declared_types(const json& schema, const std::string& key) {
  std::vector<std::string> types;
  const auto properties = schema.find("properties");
  if (properties == schema.end() || !properties->contains(key)) return types;
  const json& property = (*properties)[key];
  if (auto type = property.find("type"); type != property.end()) {
    if (type->is_string()) types.push_back(type->get<std::string>());
    if (type->is_array())
      for (const auto& t : *type) types.push_back(t.get<std::string>());
  }
  return types;
}

std::optional<json> as_type(const std::string& text, const std::string& type) {
  if (type == "string") return json(text);
  if (type == "integer") {
    long long value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error == std::errc() && end == text.data() + text.size()) return json(value);
    return std::nullopt;
  }
  if (type == "number") {
    try {
      std::size_t used = 0;
      const double value = std::stod(text, &used);
      if (used == text.size()) return json(value);
    } catch (const std::exception&) {
    }
    return std::nullopt;
  }
  if (type == "boolean") {
    if (text == "true") return json(true);
    if (text == "false") return json(false);
  }
  return std::nullopt;
}

// An argument quoted in a message: a caller's text, so cut short.
std::string shown_argument(std::string_view argument) {
  return "'" + text_excerpt(argument) + "'";
}

}  // namespace

json parse_target_arguments(const std::vector<std::string>& pairs, const json& target_schema) {
  json target = json::object();
  for (const auto& pair : pairs) {
    const auto equals = pair.find('=');
    if (equals == std::string::npos)
      throw std::invalid_argument(shown_argument(pair) + ": expected KEY=VALUE (or KEY:=JSON)");
    // KEY:=JSON passes a raw JSON value, for the rare target that needs an object or a list.
    const bool raw = equals > 0 && pair[equals - 1] == ':';
    const std::string key = pair.substr(0, raw ? equals - 1 : equals);
    const std::string text = pair.substr(equals + 1);
    if (key.empty())
      throw std::invalid_argument(shown_argument(pair) + ": the key before '=' is empty");
    if (target.contains(key))
      throw std::invalid_argument(shown_argument(pair) + ": " + text_excerpt(key) +
                                  " is given more than once");
    if (raw) {
      try {
        target[key] = parse_bounded_json(text);
      } catch (const DocumentTextError& e) {
        throw std::invalid_argument(
            shown_argument(pair) + ": the value after ':=' is " +
            (e.kind() == DocumentTextError::Kind::syntax ? "not valid JSON" : "refused") +
            " (column " + std::to_string(e.column()) + ": " + e.reason() + ")");
      }
      continue;
    }
    const auto types = declared_types(target_schema, key);
    if (types.empty()) {
      target[key] = text;  // unknown keys are left for schema validation to name
      continue;
    }
    std::optional<json> value;
    for (const auto& type : types)
      if (!value) value = as_type(text, type);
    if (!value) {
      std::string expected;
      for (const auto& type : types) expected += (expected.empty() ? "" : " or ") + type;
      throw std::invalid_argument(shown_argument(pair) + ": " + text_excerpt(key) + " expects " +
                                  (types.size() == 1 && types[0] == "integer" ? "an " : "a ") +
                                  expected);
    }
    target[key] = *value;
  }
  return target;
}

}  // namespace stopd::core
