// A target (or options) declared once, as a struct and its fields: the declaration yields the
// JSON Schema the host validates requests against and the parser that turns a request's JSON into
// the struct, so the two cannot drift apart.
//
//   struct Lock { std::string path; std::optional<std::int64_t> owner; };
//   const auto kLock = stopd::sdk::Fields<Lock>()
//       .required("path", &Lock::path, stopd::sdk::text().pattern("^/").describe("an absolute
//       path")) .optional("owner", &Lock::owner, stopd::sdk::integer().minimum(1).describe("its
//       pid"));
//
//   info.target_schema = kLock.schema();            // in info()
//   const Lock lock = kLock.parse(request.target);  // in stop(), start() or inspect()
//
// parse() refuses what the schema refuses, with StopError(invalid_argument) naming the field
// ("target.path: expected a string matching ^/ (an absolute path), got 42"): the host already
// validated a stop's target, but a provider called directly (a test) gets the same answer.
// Unknown keys are refused. Members are std::string (text()), std::int64_t (integer()) or bool
// (flag()); optional() fields are std::optional of one.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
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

inline TextRule text() {
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

  [[noreturn]] static void refuse(const std::string& where, const std::string& expected,
                                  const nlohmann::json& got) {
    std::string text = got.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (text.size() > 80) text = text.substr(0, 77) + "...";  // hostile input stays short
    throw StopError(Code::invalid_argument, where + ": " + expected + ", got " + text);
  }

  static std::string with(const std::string& expected, const std::string& description) {
    return description.empty() ? expected : expected + " (" + description + ")";
  }

  template <class Member>
  static void store(T& object, Member T::*member, auto value) {
    object.*member = std::move(value);
  }

  template <class Pointer>
  void add(std::string name, Pointer member, TextRule rule, bool required) {
    nlohmann::json schema = {{"type", "string"}};
    std::string expected = "a string";
    std::optional<std::regex> pattern;
    if (!rule.pattern_.empty()) {
      schema["pattern"] = rule.pattern_;
      expected += " matching " + rule.pattern_;
      pattern.emplace(rule.pattern_, std::regex::ECMAScript);
    }
    if (rule.min_length_ > 0) schema["minLength"] = rule.min_length_;
    if (rule.max_length_ > 0) schema["maxLength"] = rule.max_length_;
    if (rule.min_length_ > 0 && rule.max_length_ > 0)
      expected += " of " + std::to_string(rule.min_length_) + " to " +
                  std::to_string(rule.max_length_) + " characters";
    else if (rule.min_length_ > 0)
      expected += " of at least " + std::to_string(rule.min_length_) + " characters";
    else if (rule.max_length_ > 0)
      expected += " of at most " + std::to_string(rule.max_length_) + " characters";
    if (!rule.description_.empty()) schema["description"] = rule.description_;
    expected = with(expected, rule.description_);
    const std::size_t min_length = rule.min_length_;
    const std::size_t max_length = rule.max_length_;
    push(std::move(name), required, rule.description_, std::move(schema),
         [=](const nlohmann::json& value, T& object, const std::string& where) {
           if (!value.is_string()) refuse(where, "expected " + expected, value);
           const auto& text = value.template get_ref<const std::string&>();
           // maxLength counts characters; UTF-8 continuation bytes are not characters.
           std::size_t characters = 0;
           for (const char byte : text)
             characters += (static_cast<unsigned char>(byte) & 0xC0) != 0x80;
           if (characters < min_length || (max_length > 0 && characters > max_length) ||
               (pattern && !std::regex_search(text, *pattern)))
             refuse(where, "expected " + expected, value);
           store(object, member, text);
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
};

}  // namespace stopd::sdk
