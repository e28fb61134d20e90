#include "yaml_document.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "stopd/core/bounded_json.hpp"
#include "stopd/core/input_limits.hpp"

namespace stopd::core::batch {
namespace {

using nlohmann::json;

// A Mark is 0-based; an unknown position is -1 (shown as 0).
[[noreturn]] void refuse(const YAML::Mark& mark, std::string reason,
                         DocumentTextError::Kind kind = DocumentTextError::Kind::syntax) {
  const auto one_based = [](int n) { return n >= 0 ? static_cast<std::size_t>(n) + 1 : 0; };
  throw DocumentTextError(kind, one_based(mark.line), one_based(mark.column), std::move(reason));
}

[[noreturn]] void over_limit(const YAML::Mark& mark, std::string reason) {
  refuse(mark, std::move(reason), DocumentTextError::Kind::limit);
}

// YAML 1.2 core schema for a plain scalar: null, a boolean, a number or a string. (yaml-cpp
// reports the null spellings as OnNull already.)
json plain_scalar(const std::string& text) {
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  static const std::regex integer(R"([-+]?[0-9]+)");
  static const std::regex number(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  if (text.size() > 64) return text;  // no number is this long; spare the regex
  if (std::regex_match(text, integer)) {
    errno = 0;
    const long long value = std::strtoll(text.c_str(), nullptr, 10);
    if (errno == 0) return value;
  }
  if (std::regex_match(text, number)) return std::strtod(text.c_str(), nullptr);
  return text;
}

class JsonBuilder final : public YAML::EventHandler {
 public:
  json take() { return std::move(root_); }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (expects_key()) refuse(mark, "a mapping key must be a plain string");
    add(mark, nullptr, 1, anchor);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    // The text was UTF-8, but yaml-cpp reads text that starts with NUL bytes as UTF-16 or
    // UTF-32 and may decode it into something that is not.
    if (invalid_utf8_at(value)) refuse(mark, "not valid UTF-8 text");
    if (anchor != 0) anchor_text(anchor) = value;
    if (expects_key()) {
      // An anchored key may be used as a value elsewhere: as the string it is.
      if (anchor != 0) {
        count(mark, 1);
        anchors_[anchor].value = value;
        anchors_[anchor].values = 1;
        anchors_[anchor].complete = true;
      }
      return take_key(mark, value);
    }
    json scalar = tag == "!" ? json(value) : plain_scalar(value);
    // dump() writes infinity as null: the journaled plan would not be the plan that ran.
    if (scalar.is_number_float() && !std::isfinite(scalar.get<double>()))
      refuse(mark, "a number beyond the range of a double");
    add(mark, std::move(scalar), 1, anchor);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (++aliases_ > limits::kMaxYamlAliases)
      over_limit(mark, "more than " + count_text(limits::kMaxYamlAliases) +
                           " aliases (the limit for one document)");
    if (anchor >= anchors_.size() || !anchors_[anchor].complete)
      refuse(mark, "an alias inside the node it refers to would never end");
    const Anchored& target = anchors_[anchor];
    if (expects_key()) {
      if (!target.text) refuse(mark, "a mapping key must be a plain string");
      return take_key(mark, *target.text);
    }
    count(mark, target.values);  // before the copy is made
    insert(json(target.value), target.values, 0, mark, false);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(mark, json::array(), anchor);
  }
  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(mark, json::object(), anchor);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Anchored {
    json value;
    std::size_t values = 0;
    std::optional<std::string> text;  // a scalar's own text, for use as a key
    bool complete = false;
  };
  struct Open {
    json value;
    std::size_t values = 1;  // itself and everything in it so far
    YAML::anchor_t anchor = 0;
    YAML::Mark mark;
    std::optional<std::string> key;  // a mapping's key awaiting its value
    YAML::Mark key_mark;
  };

  bool expects_key() const {
    return !open_.empty() && open_.back().value.is_object() && !open_.back().key;
  }

  std::optional<std::string>& anchor_text(YAML::anchor_t anchor) {
    if (anchor >= anchors_.size()) anchors_.resize(anchor + 1);
    return anchors_[anchor].text;
  }

  void take_key(const YAML::Mark& mark, const std::string& key) {
    Open& map = open_.back();
    if (map.value.contains(key)) refuse(mark, "duplicate key '" + text_excerpt(key) + "'");
    map.key = key;
    map.key_mark = mark;
  }

  void count(const YAML::Mark& mark, std::size_t values) {
    total_ += values;
    if (total_ > limits::kMaxDocumentValues)
      over_limit(mark, "more than " + count_text(limits::kMaxDocumentValues) +
                           " values, aliases expanded (the limit for one document)");
  }

  void open(const YAML::Mark& mark, json value, YAML::anchor_t anchor) {
    if (expects_key()) refuse(mark, "a mapping key must be a plain string");
    if (open_.size() >= static_cast<std::size_t>(limits::kMaxNesting))
      over_limit(mark,
                 "nested more than " + std::to_string(limits::kMaxNesting) +
                     " levels deep (sequences and mappings inside one another; the limit is " +
                     std::to_string(limits::kMaxNesting) + ")");
    if (anchor != 0) anchor_text(anchor).reset();  // registers it as open
    count(mark, 1);
    open_.push_back(Open{std::move(value), 1, anchor, mark, std::nullopt, {}});
  }

  void close() {
    Open done = std::move(open_.back());
    open_.pop_back();
    // Already counted as it was built; add() must not count it again.
    insert(std::move(done.value), done.values, done.anchor, done.mark, false);
  }

  void add(const YAML::Mark& mark, json value, std::size_t values, YAML::anchor_t anchor) {
    insert(std::move(value), values, anchor, mark, true);
  }

  void insert(json value, std::size_t values, YAML::anchor_t anchor, const YAML::Mark& mark,
              bool uncounted) {
    if (uncounted) count(mark, values);
    if (anchor != 0) {
      count(mark, values);  // the copy an alias is made from holds as much again
      if (anchor >= anchors_.size()) anchors_.resize(anchor + 1);
      Anchored& anchored = anchors_[anchor];
      anchored.value = value;
      anchored.values = values;
      anchored.complete = true;
    }
    if (open_.empty()) {
      root_ = std::move(value);
      return;
    }
    Open& parent = open_.back();
    parent.values += values;
    if (parent.value.is_array()) {
      parent.value.push_back(std::move(value));
    } else {
      parent.value.emplace(std::move(*parent.key), std::move(value));
      parent.key.reset();
    }
  }

  std::vector<Open> open_;
  std::vector<Anchored> anchors_;  // by yaml-cpp's anchor number (from 1)
  json root_;
  std::size_t total_ = 0;
  std::size_t aliases_ = 0;
};

}  // namespace

json parse_bounded_yaml(std::string_view text) {
  // yaml-cpp passes invalid UTF-8 through into scalars (nlohmann's JSON parser refuses it), and
  // takes NUL bytes as the sign of another encoding.
  const auto bad = invalid_utf8_at(text);
  const auto nul = text.find('\0');
  if (bad || nul != std::string_view::npos) {
    const TextPosition at = position_in(text, bad ? *bad : nul);
    throw DocumentTextError(DocumentTextError::Kind::syntax, at.line, at.column,
                            bad ? "not valid UTF-8 text" : "a NUL byte: a plan is text");
  }
  std::istringstream in{std::string(text)};
  JsonBuilder builder;
  try {
    YAML::Parser parser(in);
    parser.HandleNextDocument(builder);
  } catch (const YAML::Exception& e) {
    refuse(e.mark, e.msg);
  }
  return builder.take();
}

}  // namespace stopd::core::batch
