// A target (or options) declared once, as a struct and its fields: the declaration yields the
// JSON Schema the host validates requests against and the parser that turns a request's JSON into
// the struct, so the two cannot drift apart.
//
//   struct Lock { std::string path; std::optional<std::int64_t> owner; };
//   const auto kLock = stopd::sdk::Fields<Lock>()
//       .required("path", &Lock::path, stopd::sdk::text().pattern("^/").describe("a path"))
//       .optional("owner", &Lock::owner, stopd::sdk::integer().minimum(1).describe("its pid"));
//
//   info.target_schema = kLock.schema();            // in info()
//   const Lock lock = kLock.parse(request.target);  // in stop(), start() or inspect()
//
// parse() refuses what the schema refuses, with StopError(invalid_argument) naming the field
// ("target.path: expected a string matching ^/ (a path), got 42"): the host already validated a
// stop's target, but a provider called directly (a test) gets the same answer. Unknown keys are
// refused. Members are std::string (text(), or one_of() a fixed list), std::int64_t (integer()),
// bool (flag()) or std::map<std::string, std::string> (text_map(): labels, tags); optional()
// fields are std::optional of one. A selector, whose fields are each optional but which must
// select by something, declares at_least_one():
//
//   struct Selector { std::optional<std::map<std::string, std::string>> labels;
//                     std::optional<std::string> state; };
//   const auto kSelector = stopd::sdk::Fields<Selector>().at_least_one()
//       .optional("labels", &Selector::labels, stopd::sdk::text_map().max_entries(64))
//       .optional("state", &Selector::state, stopd::sdk::one_of({"running", "exited", "any"}));
//   const Selector selector = kSelector.parse(json_selector, "selector");  // in list()
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "stopd/sdk/outcome.hpp"

namespace stopd::sdk {

// How a string field is constrained.
class TextRule {
 public:
  // An ECMAScript regular expression the value must contain a match of (anchor it with ^ and $).
  TextRule& pattern(std::string regex) {
    pattern_ = std::move(regex);
    return *this;
  }
  TextRule& min_length(std::size_t characters) {
    min_length_ = characters;
    return *this;
  }
  TextRule& max_length(std::size_t characters) {
    max_length_ = characters;
    return *this;
  }
  // For `stopctl plugins describe` and for error messages.
  TextRule& describe(std::string text) {
    description_ = std::move(text);
    return *this;
  }

 private:
  template <class>
  friend class Fields;
  std::string pattern_;
  std::size_t min_length_ = 0;
  std::size_t max_length_ = 0;
  std::string description_;
};

// How an integer field is constrained.
class IntegerRule {
 public:
  IntegerRule& minimum(std::int64_t value) {
    minimum_ = value;
    return *this;
  }
  IntegerRule& maximum(std::int64_t value) {
    maximum_ = value;
    return *this;
  }
  IntegerRule& describe(std::string text) {
    description_ = std::move(text);
    return *this;
  }

 private:
  template <class>
  friend class Fields;
  std::optional<std::int64_t> minimum_;
  std::optional<std::int64_t> maximum_;
  std::string description_;
};

// A boolean field's documentation.
class FlagRule {
 public:
  FlagRule& describe(std::string text) {
    description_ = std::move(text);
    return *this;
  }

 private:
  template <class>
  friend class Fields;
  std::string description_;
};

// A string field that takes one of a fixed list of values, e.g. a state to filter by.
class ChoiceRule {
 public:
  explicit ChoiceRule(std::vector<std::string> values) : values_(std::move(values)) {}
  ChoiceRule& describe(std::string text) {
    description_ = std::move(text);
    return *this;
  }

 private:
  template <class>
  friend class Fields;
  std::vector<std::string> values_;
  std::string description_;
};

// How a string-to-string map field (labels, tags) is constrained: an object whose keys follow
// keys() and whose values are strings following values().
class TextMapRule {
 public:
  TextMapRule& keys(TextRule rule) {
    keys_ = std::move(rule);
    return *this;
  }
  TextMapRule& values(TextRule rule) {
    values_ = std::move(rule);
    return *this;
  }
  TextMapRule& max_entries(std::size_t entries) {
    max_entries_ = entries;
    return *this;
  }
  TextMapRule& describe(std::string text) {
    description_ = std::move(text);
    return *this;
  }

 private:
  template <class>
  friend class Fields;
  TextRule keys_;
  TextRule values_;
  std::size_t max_entries_ = 0;
  std::string description_;
};

inline TextRule text() {
  return {};
}
inline ChoiceRule one_of(std::vector<std::string> values) {
  return ChoiceRule(std::move(values));
}
inline TextMapRule text_map() {
  return {};
}
inline IntegerRule integer() {
  return {};
}
inline FlagRule flag() {
  return {};
}

template <class T>
class Fields {
 public:
  template <class Member>
  Fields& required(std::string name, Member T::*member, auto rule) {
    add(std::move(name), member, std::move(rule), true);
    return *this;
  }
  template <class Member>
  Fields& optional(std::string name, std::optional<Member> T::*member, auto rule) {
    add(std::move(name), member, std::move(rule), false);
    return *this;
  }
  // The schema's top-level "title" and "description", for `stopctl plugins describe`.
  Fields& title(std::string text) {
    title_ = std::move(text);
    return *this;
  }
  Fields& describe(std::string text) {
    description_ = std::move(text);
    return *this;
  }
  // Refuses an empty object: a selector must select by at least one of its fields.
  Fields& at_least_one() {
    at_least_one_ = true;
    return *this;
  }

  // A draft-07 JSON Schema: an object with exactly these properties.
  nlohmann::json schema() const {
    nlohmann::json properties = nlohmann::json::object();
    nlohmann::json required = nlohmann::json::array();
    for (const auto& field : fields_) {
      properties[field.name] = field.schema;
      if (field.required) required.push_back(field.name);
    }
    nlohmann::json schema = {
        {"type", "object"}, {"properties", std::move(properties)}, {"additionalProperties", false}};
    if (!required.empty()) schema["required"] = std::move(required);
    if (at_least_one_) schema["minProperties"] = 1;
    if (!title_.empty()) schema["title"] = title_;
    if (!description_.empty()) schema["description"] = description_;
    return schema;
  }

  // `value` as a T. `root` names it in messages ("target", "options").
  T parse(const nlohmann::json& value, std::string_view root = "target") const {
    if (!value.is_object()) refuse(std::string(root), "expected an object", value);
    for (const auto& [key, ignored] : value.items()) {
      (void)ignored;
      if (!known(key))
        throw StopError(
            Code::invalid_argument,
            std::string(root) + ": unknown key " +
                nlohmann::json(key).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
                " (expected " + names() + ")");
    }
    if (at_least_one_ && value.empty())
      throw StopError(Code::invalid_argument,
                      std::string(root) + ": expected at least one of " + names() + ", got {}");
    T parsed{};
    for (const auto& field : fields_) {
      const std::string where = std::string(root) + "." + field.name;
      const auto found = value.find(field.name);
      if (found == value.end()) {
        if (field.required)
          throw StopError(
              Code::invalid_argument,
              where + ": is required" +
                  (field.description.empty() ? std::string() : " (" + field.description + ")"));
        continue;
      }
      field.assign(*found, parsed, where);
    }
    return parsed;
  }

 private:
  struct Field {
    std::string name;
    bool required = false;
    std::string description;
    nlohmann::json schema;
    std::function<void(const nlohmann::json&, T&, const std::string&)> assign;
  };

  // A request's value as a message quotes it: hostile input stays short.
  static std::string excerpt(const nlohmann::json& value) {
    std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return text.size() > 80 ? text.substr(0, 77) + "..." : text;
  }

  [[noreturn]] static void refuse(const std::string& where, const std::string& expected,
                                  const nlohmann::json& got) {
    throw StopError(Code::invalid_argument, where + ": " + expected + ", got " + excerpt(got));
  }

  static std::string with(const std::string& expected, const std::string& description) {
    return description.empty() ? expected : expected + " (" + description + ")";
  }

  template <class Member>
  static void store(T& object, Member T::*member, auto value) {
    object.*member = std::move(value);
  }

  // A string rule as the schema states it and as the parser checks it. `noun` starts the
  // expectation: "a string", or "a key" for a map's keys.
  struct TextCheck {
    nlohmann::json schema;
    std::string expected;  // "a string matching ^/ (an absolute path)"
    TextRule rule;
    std::optional<std::regex> pattern;

    // Empty when `text` passes; otherwise what was expected of it.
    std::string refusal(const std::string& text) const {
      // The host refuses a longer string before it matches a pattern (std::regex recurses once
      // per character; core::JsonSchema::kMaxPatternSubjectBytes), and so does the parser.
      constexpr std::size_t kMaxPatternSubjectBytes = 8192;
      if (pattern && text.size() > kMaxPatternSubjectBytes)
        return "at most " + std::to_string(kMaxPatternSubjectBytes) + " bytes to match against " +
               rule.pattern_;
      // maxLength counts characters; UTF-8 continuation bytes are not characters.
      std::size_t characters = 0;
      for (const char byte : text) characters += (static_cast<unsigned char>(byte) & 0xC0) != 0x80;
      if (characters < rule.min_length_ ||
          (rule.max_length_ > 0 && characters > rule.max_length_) ||
          (pattern && !std::regex_search(text, *pattern)))
        return expected;
      return {};
    }
  };

  static TextCheck text_check(const TextRule& rule, std::string noun) {
    TextCheck check{{{"type", "string"}}, std::move(noun), rule, std::nullopt};
    if (!rule.pattern_.empty()) {
      check.schema["pattern"] = rule.pattern_;
      check.expected += " matching " + rule.pattern_;
      check.pattern.emplace(rule.pattern_, std::regex::ECMAScript);
    }
    if (rule.min_length_ > 0) check.schema["minLength"] = rule.min_length_;
    if (rule.max_length_ > 0) check.schema["maxLength"] = rule.max_length_;
    if (rule.min_length_ > 0 && rule.max_length_ > 0)
      check.expected += " of " + std::to_string(rule.min_length_) + " to " +
                        std::to_string(rule.max_length_) + " characters";
    else if (rule.min_length_ > 0)
      check.expected += " of at least " + std::to_string(rule.min_length_) + " characters";
    else if (rule.max_length_ > 0)
      check.expected += " of at most " + std::to_string(rule.max_length_) + " characters";
    if (!rule.description_.empty()) check.schema["description"] = rule.description_;
    check.expected = with(check.expected, rule.description_);
    return check;
  }

  template <class Pointer>
  void add(std::string name, Pointer member, TextRule rule, bool required) {
    TextCheck check = text_check(rule, "a string");
    push(std::move(name), required, rule.description_, check.schema,
         [check, member](const nlohmann::json& value, T& object, const std::string& where) {
           if (!value.is_string()) refuse(where, "expected " + check.expected, value);
           const auto& text = value.template get_ref<const std::string&>();
           if (const auto problem = check.refusal(text); !problem.empty())
             refuse(where, "expected " + problem, value);
           store(object, member, text);
         });
  }

  template <class Pointer>
  void add(std::string name, Pointer member, ChoiceRule rule, bool required) {
    nlohmann::json schema = {{"type", "string"}, {"enum", rule.values_}};
    if (!rule.description_.empty()) schema["description"] = rule.description_;
    std::string expected;
    for (const auto& choice : rule.values_) expected += (expected.empty() ? "" : ", ") + choice;
    expected = with("one of " + expected, rule.description_);
    push(std::move(name), required, rule.description_, std::move(schema),
         [=](const nlohmann::json& value, T& object, const std::string& where) {
           if (!value.is_string()) refuse(where, "expected " + expected, value);
           const auto& text = value.template get_ref<const std::string&>();
           for (const auto& choice : rule.values_)
             if (text == choice) return store(object, member, text);
           refuse(where, "expected " + expected, value);
         });
  }

  template <class Pointer>
  void add(std::string name, Pointer member, TextMapRule rule, bool required) {
    TextCheck keys = text_check(rule.keys_, "a key");
    TextCheck values = text_check(rule.values_, "a string");
    nlohmann::json schema = {{"type", "object"}, {"additionalProperties", values.schema}};
    if (keys.schema.size() > 1) schema["propertyNames"] = keys.schema;  // more than a string
    std::string expected = "an object of strings";
    if (rule.max_entries_ > 0) {
      schema["maxProperties"] = rule.max_entries_;
      expected += " with at most " + std::to_string(rule.max_entries_) + " entries";
    }
    if (!rule.description_.empty()) schema["description"] = rule.description_;
    expected = with(expected, rule.description_);
    push(std::move(name), required, rule.description_, std::move(schema),
         [=](const nlohmann::json& value, T& object, const std::string& where) {
           if (!value.is_object() || (rule.max_entries_ > 0 && value.size() > rule.max_entries_))
             refuse(where, "expected " + expected, value);
           std::map<std::string, std::string> map;
           for (const auto& [key, entry] : value.items()) {
             if (const auto problem = keys.refusal(key); !problem.empty())
               refuse(where, "expected " + problem, key);
             const std::string at = where + "[" + excerpt(key) + "]";
             if (!entry.is_string()) refuse(at, "expected " + values.expected, entry);
             if (const auto problem = values.refusal(entry.template get_ref<const std::string&>());
                 !problem.empty())
               refuse(at, "expected " + problem, entry);
             map.emplace(key, entry.template get<std::string>());
           }
           store(object, member, std::move(map));
         });
  }

  template <class Pointer>
  void add(std::string name, Pointer member, IntegerRule rule, bool required) {
    nlohmann::json schema = {{"type", "integer"}};
    std::string expected = "an integer";
    if (rule.minimum_) {
      schema["minimum"] = *rule.minimum_;
      expected += " >= " + std::to_string(*rule.minimum_);
    }
    if (rule.maximum_) {
      schema["maximum"] = *rule.maximum_;
      expected += (rule.minimum_ ? " and <= " : " <= ") + std::to_string(*rule.maximum_);
    }
    if (!rule.description_.empty()) schema["description"] = rule.description_;
    expected = with(expected, rule.description_);
    push(std::move(name), required, rule.description_, std::move(schema),
         [=](const nlohmann::json& value, T& object, const std::string& where) {
           if (!value.is_number_integer()) refuse(where, "expected " + expected, value);
           if (value.is_number_unsigned() &&
               value.template get<std::uint64_t>() >
                   static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
             refuse(where, "expected " + expected, value);
           const auto number = value.template get<std::int64_t>();
           if ((rule.minimum_ && number < *rule.minimum_) ||
               (rule.maximum_ && number > *rule.maximum_))
             refuse(where, "expected " + expected, value);
           store(object, member, number);
         });
  }

  template <class Pointer>
  void add(std::string name, Pointer member, FlagRule rule, bool required) {
    nlohmann::json schema = {{"type", "boolean"}};
    if (!rule.description_.empty()) schema["description"] = rule.description_;
    const std::string expected = with("true or false", rule.description_);
    push(std::move(name), required, rule.description_, std::move(schema),
         [=](const nlohmann::json& value, T& object, const std::string& where) {
           if (!value.is_boolean()) refuse(where, "expected " + expected, value);
           store(object, member, value.template get<bool>());
         });
  }

  void push(std::string name, bool required, std::string description, nlohmann::json schema,
            std::function<void(const nlohmann::json&, T&, const std::string&)> assign) {
    fields_.push_back(
        {std::move(name), required, std::move(description), std::move(schema), std::move(assign)});
  }

  bool known(const std::string& key) const {
    for (const auto& field : fields_)
      if (field.name == key) return true;
    return false;
  }

  std::string names() const {
    std::string text;
    for (const auto& field : fields_) text += (text.empty() ? "" : ", ") + field.name;
    return text.empty() ? "no keys" : text;
  }

  std::vector<Field> fields_;
  std::string title_;
  std::string description_;
  bool at_least_one_ = false;
};

}  // namespace stopd::sdk
