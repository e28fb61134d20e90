#include "stopd/core/json_schema.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>
#include <vector>

#include "json_schema_problems.hpp"
#include "stopd/core/bounded_json.hpp"

namespace stopd::core {
namespace {

using nlohmann::json;

std::string type_name(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "integer";
    case json::value_t::number_float:
      return "number";
    case json::value_t::string:
      return "string";
    case json::value_t::array:
      return "array";
    case json::value_t::object:
      return "object";
    default:
      return "value";
  }
}

bool has_type(const json& value, const std::string& type) {
  if (type == "integer") {
    return value.is_number_integer() ||
           (value.is_number_float() && std::trunc(value.get<double>()) == value.get<double>());
  }
  if (type == "number") return value.is_number();
  return type_name(value) == type;
}

// A short rendering of a caller's value for messages: only what is shown is ever rendered.
std::string show(const json& value) {
  return json_excerpt(value);
}

std::string join_keys(const std::vector<std::string>& keys, std::string_view conjunction) {
  std::string out;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i > 0) out += (i + 1 == keys.size()) ? std::string(conjunction) : ", ";
    out += keys[i];
  }
  return out;
}

// oneOf/anyOf whose branches are each just {"required": [...]}: "exactly one of these keys".
std::optional<std::vector<std::string>> alternative_keys(const json& node, const char* keyword) {
  auto it = node.find(keyword);
  if (it == node.end() || !it->is_array()) return std::nullopt;
  std::vector<std::string> keys;
  for (const auto& branch : *it) {
    auto required = branch.find("required");
    if (required == branch.end() || !required->is_array() || required->size() != 1)
      return std::nullopt;
    keys.push_back(required->front().get<std::string>());
  }
  return keys;
}

std::optional<std::string> explain_type(const json& node, const json& value) {
  auto type = node.find("type");
  if (type == node.end()) return std::nullopt;
  std::vector<std::string> allowed;
  if (type->is_string()) allowed.push_back(type->get<std::string>());
  if (type->is_array())
    for (const auto& t : *type) allowed.push_back(t.get<std::string>());
  for (const auto& t : allowed)
    if (has_type(value, t)) return std::nullopt;
  return "expected " + join_keys(allowed, " or ") + ", got " + type_name(value) + " " + show(value);
}

std::optional<std::string> explain_object(const json& node, const json& value) {
  if (!value.is_object()) return std::nullopt;
  auto properties = node.find("properties");
  auto additional = node.find("additionalProperties");
  if (additional != node.end() && additional->is_boolean() && !additional->get<bool>()) {
    for (const auto& [key, _] : value.items()) {
      if (properties != node.end() && properties->contains(key)) continue;
      std::vector<std::string> known;
      if (properties != node.end())
        for (const auto& [name, __] : properties->items()) known.push_back(name);
      return "unknown key '" + text_excerpt(key) + "'" +
             (known.empty() ? std::string(" (no keys are accepted)")
                            : " (expected " + join_keys(known, " or ") + ")");
    }
  }
  if (auto required = node.find("required"); required != node.end() && required->is_array()) {
    for (const auto& key : *required)
      if (!value.contains(key.get<std::string>()))
        return "missing required key '" + key.get<std::string>() + "'";
  }
  for (const char* keyword : {"oneOf", "anyOf"}) {
    auto keys = alternative_keys(node, keyword);
    if (!keys) continue;
    std::vector<std::string> present;
    for (const auto& key : *keys)
      if (value.contains(key)) present.push_back(key);
    const bool exactly_one = std::string_view(keyword) == "oneOf";
    if (present.empty())
      return "expected " + std::string(exactly_one ? "exactly " : "at least ") + "one of " +
             join_keys(*keys, " or ");
    if (exactly_one && present.size() > 1)
      return "expected exactly one of " + join_keys(*keys, " or ") + ", got " +
             join_keys(present, " and ");
  }
  return std::nullopt;
}

std::optional<std::string> explain_scalar(const json& node, const json& value) {
  if (auto e = node.find("enum"); e != node.end() && e->is_array()) {
    bool found = false;
    for (const auto& candidate : *e) found = found || candidate == value;
    if (!found) {
      std::vector<std::string> names;
      for (const auto& candidate : *e) names.push_back(json_excerpt(candidate));
      return "expected one of " + join_keys(names, " or ") + ", got " + show(value);
    }
  }
  if (value.is_number()) {
    const double number = value.get<double>();
    if (auto m = node.find("minimum"); m != node.end() && number < m->get<double>())
      return "expected a number >= " + m->dump() + ", got " + show(value);
    if (auto m = node.find("maximum"); m != node.end() && number > m->get<double>())
      return "expected a number <= " + m->dump() + ", got " + show(value);
    if (auto m = node.find("exclusiveMinimum");
        m != node.end() && m->is_number() && number <= m->get<double>())
      return "expected a number > " + m->dump() + ", got " + show(value);
  }
  if (value.is_string()) {
    const auto length = value.get_ref<const std::string&>().size();
    if (auto m = node.find("minLength"); m != node.end() && length < m->get<size_t>())
      return "expected a string of at least " + m->dump() + " characters, got " + show(value);
    if (auto m = node.find("maxLength"); m != node.end() && length > m->get<size_t>())
      return "expected a string of at most " + m->dump() + " characters, got " +
             std::to_string(length);
    // A description written as a phrase ("HOST:PORT such as …") completes "expected"; one
    // written as a sentence, ending with a full stop ("The container's id: … at least 12.", as
    // JSON Schema authors usually write them), follows the pattern it explains instead of being
    // pasted mid-sentence.
    if (auto p = node.find("pattern"); p != node.end() && p->is_string()) {
      const auto d = node.find("description");
      const std::string description =
          d != node.end() && d->is_string() ? text_excerpt(d->get<std::string>(), 200) : "";
      if (!description.empty() && description.back() != '.')
        return "expected " + description + ", got " + show(value);
      return "expected a string matching " + p->get<std::string>() + ", got " + show(value) +
             (description.empty() ? "" : " (" + description + ")");
    }
  }
  if (value.is_array()) {
    if (auto m = node.find("maxItems"); m != node.end() && value.size() > m->get<size_t>())
      return "expected at most " + m->dump() + " items, got " + std::to_string(value.size());
    if (auto m = node.find("minItems"); m != node.end() && value.size() < m->get<size_t>())
      return "expected at least " + m->dump() + " items, got " + std::to_string(value.size());
  }
  return std::nullopt;
}

// What is wrong with `value` at `node`, in words, for the keywords stopd's schemas use.
std::optional<std::string> explain(const json& node, const json& value) {
  if (!node.is_object()) return std::nullopt;
  if (auto m = explain_type(node, value)) return m;
  if (auto m = explain_object(node, value)) return m;
  return explain_scalar(node, value);
}

struct Located {
  std::string path;   // "target.pid"
  const json* node;   // schema node at that path (null when it cannot be followed)
  const json* value;  // instance value at that path (null when absent)
};

// Follows valijson's context ("<root>", "[pid]", "[0]") through schema and instance together.
Located locate(const std::vector<std::string>& context, const json& schema, const json& instance,
               std::string_view root) {
  Located at{std::string(root), &schema, &instance};
  for (size_t i = 1; i < context.size(); ++i) {
    const std::string& part = context[i];
    if (part.size() < 2 || part.front() != '[' || part.back() != ']') continue;
    const std::string key = part.substr(1, part.size() - 2);
    const bool is_index = !key.empty() && key.find_first_not_of("0123456789") == std::string::npos;
    if (at.value && at.value->is_array() && is_index) {
      at.path += part;
      const auto index = std::stoul(key);
      at.value = index < at.value->size() ? &(*at.value)[index] : nullptr;
      at.node = (at.node && at.node->contains("items")) ? &(*at.node)["items"] : nullptr;
    } else {
      at.path += "." + text_excerpt(key);
      at.value = (at.value && at.value->is_object() && at.value->contains(key)) ? &(*at.value)[key]
                                                                                : nullptr;
      const json* properties = at.node && at.node->is_object() && at.node->contains("properties")
                                   ? &(*at.node)["properties"]
                                   : nullptr;
      if (properties && properties->contains(key)) {
        at.node = &(*properties)[key];
      } else if (at.node && at.node->is_object() && at.node->contains("additionalProperties") &&
                 (*at.node)["additionalProperties"].is_object()) {
        at.node = &(*at.node)["additionalProperties"];  // a map of named entries
      } else {
        at.node = nullptr;
      }
    }
  }
  return at;
}

// valijson reports a nested failure twice: once where it happened, and again at each enclosing
// item, property or alternative ("Failed to validate item #0 in array"). Those echoes only point
// at the real error. "…exactly one child schema" is not an echo: it is the oneOf's own failure.
bool is_wrapper(const std::string& description) {
  static constexpr std::string_view kEchoes[] = {
      "Failed to validate item #",
      "Failed to validate against schema associated with property",
      "Failed to validate against child schema #",
      "Failed to validate against any child schemas",
      "Failed to validate against additional properties schema",
      "Failed to validate against items schema",
  };
  for (const auto echo : kEchoes)
    if (description.rfind(echo, 0) == 0) return true;
  return false;
}

bool has_pattern(const json& schema) {
  std::vector<const json*> pending{&schema};
  while (!pending.empty()) {
    const json* node = pending.back();
    pending.pop_back();
    if (node->is_object() && (node->contains("pattern") || node->contains("patternProperties")))
      return true;
    if (node->is_structured())
      for (const json& child : *node) pending.push_back(&child);
  }
  return false;
}

// What valijson must not be given: text that is not UTF-8 (its length count reads past the end
// of a table on it), and, against a schema with patterns, text longer than `limit`.
std::optional<std::string> text_problem(std::string_view text, std::size_t limit) {
  if (text.size() > limit)
    return "a string of " + std::to_string(text.size()) + " bytes; at most " +
           std::to_string(limit) + " are checked against this schema's patterns";
  if (invalid_utf8_at(text)) return "not valid UTF-8";
  return std::nullopt;
}

// Whether any string or key of `value` has a text_problem (without recursion, without paths).
bool has_unfit_text(const json& value, std::size_t limit) {
  std::vector<const json*> pending{&value};
  while (!pending.empty()) {
    const json* node = pending.back();
    pending.pop_back();
    if (node->is_string() && text_problem(node->get_ref<const std::string&>(), limit)) return true;
    if (node->is_object())
      for (auto it = node->begin(); it != node->end(); ++it)
        if (text_problem(it.key(), limit)) return true;
    if (node->is_structured())
      for (const json& child : *node) pending.push_back(&child);
  }
  return false;
}

// The first such text, as "<path>: <problem>". Paths cost a string per value, so this runs only
// once has_unfit_text found one.
std::optional<std::string> unfit_text(const json& value, std::string_view root, std::size_t limit) {
  std::vector<std::pair<const json*, std::string>> pending{{&value, std::string(root)}};
  while (!pending.empty()) {
    auto [node, path] = std::move(pending.back());
    pending.pop_back();
    if (node->is_string())
      if (auto problem = text_problem(node->get_ref<const std::string&>(), limit))
        return path + ": " + *problem;
    if (node->is_object()) {
      for (auto it = node->begin(); it != node->end(); ++it) {
        if (auto problem = text_problem(it.key(), limit)) return path + " (a key): " + *problem;
        pending.emplace_back(&it.value(), path + "." + text_excerpt(it.key()));
      }
    } else if (node->is_array()) {
      for (std::size_t i = 0; i < node->size(); ++i)
        pending.emplace_back(&(*node)[i], path + "[" + std::to_string(i) + "]");
    }
  }
  return std::nullopt;
}

}  // namespace

struct JsonSchema::Compiled {
  valijson::Schema schema;
};

JsonSchema::JsonSchema() : source_(json::object()) {}

JsonSchema::JsonSchema(const json& schema) : source_(schema) {
  if (schema.is_boolean() && schema.get<bool>()) return;
  if (!schema.is_object())
    throw std::invalid_argument("a JSON Schema must be an object, got " + type_name(schema));
  if (schema.empty()) return;  // {} accepts anything; skip the validator entirely
  if (auto problem = json_schema_problem(schema))
    throw std::invalid_argument("invalid JSON Schema: " + *problem);
  compiled_ = std::make_unique<Compiled>();
  matches_patterns_ = has_pattern(schema);
  try {
    valijson::SchemaParser parser;
    valijson::adapters::NlohmannJsonAdapter adapter(source_);
    parser.populateSchema(adapter, compiled_->schema);
  } catch (const std::exception& e) {
    throw std::invalid_argument(std::string("invalid JSON Schema: ") + e.what());
  }
}

JsonSchema::~JsonSchema() = default;
JsonSchema::JsonSchema(JsonSchema&&) noexcept = default;
JsonSchema& JsonSchema::operator=(JsonSchema&&) noexcept = default;

std::optional<std::string> JsonSchema::validate(const json& value, std::string_view root) const {
  if (!compiled_) return std::nullopt;
  // valijson matches patterns with std::regex, whose matcher recurses once per character:
  // libstdc++'s overflows an 8 MiB stack at about 17,000 characters (ASan) to 25,000 (-O2).
  const std::size_t limit =
      matches_patterns_ ? kMaxPatternSubjectBytes : std::numeric_limits<std::size_t>::max();
  if (has_unfit_text(value, limit))
    if (auto problem = unfit_text(value, root, limit)) return *problem;
  // valijson compiles each "pattern" into a std::regex and caches it in the Validator, keyed by
  // the pattern's text and nothing else: one per thread serves every schema, and compiles each
  // pattern once per thread instead of once per validation (which cost a plan's validation four
  // fifths of its time). Not shared: the cache is not thread-safe.
  static thread_local valijson::Validator validator;
  valijson::adapters::NlohmannJsonAdapter adapter(value);
  // Without a results object valijson stops at the first failure: the cheap path for valid input.
  if (validator.validate(compiled_->schema, adapter, nullptr)) return std::nullopt;

  valijson::ValidationResults results;
  validator.validate(compiled_->schema, adapter, &results);
  // The deepest specific error says the most; wrappers ("Failed to validate against …") only
  // point at where a nested error happened.
  const valijson::ValidationResults::Error* best = nullptr;
  for (const auto& error : results) {
    if (is_wrapper(error.description) && best != nullptr) continue;
    if (best == nullptr || (is_wrapper(best->description) && !is_wrapper(error.description)) ||
        error.context.size() > best->context.size())
      best = &error;
  }
  if (best == nullptr) return std::string(root) + ": does not match its schema";
  const Located at = locate(best->context, source_, value, root);
  if (at.node && at.value)
    if (auto message = explain(*at.node, *at.value)) return at.path + ": " + *message;
  // Fall back to what valijson says, which is always true if not always friendly.
  std::string description = best->description;
  if (!description.empty() && description.back() == '.') description.pop_back();
  return at.path + ": " + description;
}

}  // namespace stopd::core
