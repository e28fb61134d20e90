// sdk::Fields: one declaration gives the schema and the parser, and the two agree.
#include "stopd/sdk/fields.hpp"

#include <gtest/gtest.h>

#include "stopd/core/json_schema.hpp"

namespace stopd::sdk {
namespace {

using nlohmann::json;

struct Lock {
  std::string path;
  std::optional<std::int64_t> owner;
  std::optional<bool> wait;
  std::optional<std::string> label;
};

const Fields<Lock>& lock_fields() {
  static const auto fields =
      Fields<Lock>()
          .describe("a lock file")
          .required("path", &Lock::path, text().pattern("^/").describe("an absolute path"))
          .optional("owner", &Lock::owner, integer().minimum(1).maximum(4194304))
          .optional("wait", &Lock::wait, flag())
          .optional("label", &Lock::label, text().min_length(2).max_length(3));
  return fields;
}

std::string refusal(const json& value) {
  try {
    lock_fields().parse(value);
  } catch (const StopError& e) {
    EXPECT_EQ(e.code(), Code::invalid_argument);
    return e.what();
  }
  return "";
}

TEST(Fields, SchemaIsAClosedObjectWithTheDeclaredProperties) {
  const json schema = lock_fields().schema();
  EXPECT_EQ(schema["type"], "object");
  EXPECT_EQ(schema["additionalProperties"], false);
  EXPECT_EQ(schema["required"], json::array({"path"}));
  EXPECT_EQ(schema["description"], "a lock file");
  EXPECT_EQ(schema["properties"]["path"],
            json({{"type", "string"}, {"pattern", "^/"}, {"description", "an absolute path"}}));
  EXPECT_EQ(schema["properties"]["owner"],
            json({{"type", "integer"}, {"minimum", 1}, {"maximum", 4194304}}));
  EXPECT_EQ(schema["properties"]["wait"], json({{"type", "boolean"}}));
  EXPECT_EQ(schema["properties"]["label"],
            json({{"type", "string"}, {"minLength", 2}, {"maxLength", 3}}));
}

TEST(Fields, ParsesIntoTheStruct) {
  const Lock lock = lock_fields().parse({{"path", "/run/x.lock"}, {"owner", 42}, {"wait", true}});
  EXPECT_EQ(lock.path, "/run/x.lock");
  EXPECT_EQ(lock.owner, 42);
  EXPECT_EQ(lock.wait, true);
  EXPECT_FALSE(lock.label.has_value());
}

TEST(Fields, RefusalsNameTheFieldAndWhatWasExpected) {
  EXPECT_EQ(refusal({{"owner", 1}}), "target.path: is required (an absolute path)");
  EXPECT_EQ(refusal({{"path", 42}}),
            "target.path: expected a string matching ^/ (an absolute path), got 42");
  EXPECT_EQ(refusal({{"path", "relative"}}),
            "target.path: expected a string matching ^/ (an absolute path), got \"relative\"");
  EXPECT_EQ(refusal({{"path", "/x"}, {"owner", 0}}),
            "target.owner: expected an integer >= 1 and <= 4194304, got 0");
  EXPECT_EQ(refusal({{"path", "/x"}, {"wait", "yes"}}),
            "target.wait: expected true or false, got \"yes\"");
  EXPECT_EQ(refusal({{"path", "/x"}, {"colour", 1}}),
            "target: unknown key \"colour\" (expected path, owner, wait, label)");
  EXPECT_EQ(refusal(json::array()), "target: expected an object, got []");
  EXPECT_EQ(refusal({{"path", "/x"}, {"label", "abcd"}}),
            "target.label: expected a string of 2 to 3 characters, got \"abcd\"");
  EXPECT_EQ(refusal({{"path", "/" + std::string(200, 'a')}, {"owner", "x"}}),
            "target.owner: expected an integer >= 1 and <= 4194304, got \"x\"");
}

// std::regex recurses once per character: a long enough string overflows the stack. The host
// refuses one longer than 8192 bytes before matching; the parser must too, for direct callers.
TEST(Fields, AStringTooLongToMatchIsRefusedBeforeThePatternRuns) {
  const auto lock = Fields<Lock>().required("path", &Lock::path, text().pattern("^/.+\\.lock$"));
  try {
    lock.parse({{"path", "/" + std::string(200000, 'a') + ".lock"}});
    ADD_FAILURE() << "a 200006-byte path was accepted";
  } catch (const StopError& e) {
    const std::string message = e.what();
    EXPECT_TRUE(message.starts_with(
        "target.path: expected at most 8192 bytes to match against ^/.+\\.lock$, got \"/aaa"))
        << message;
  }
}

// The promise of the declaration: whatever the schema accepts parses, and whatever it refuses
// does not, including at the edges (bounds, UTF-8 length, types, unknown keys).
TEST(Fields, TheSchemaAndTheParserAgree) {
  const core::JsonSchema schema(lock_fields().schema());
  const json samples = json::array({
      {{"path", "/a"}},
      {{"path", "a"}},
      {{"path", ""}},
      {{"path", "/a"}, {"owner", 1}},
      {{"path", "/a"}, {"owner", 0}},
      {{"path", "/a"}, {"owner", 4194304}},
      {{"path", "/a"}, {"owner", 4194305}},
      {{"path", "/a"}, {"owner", -1}},
      {{"path", "/a"}, {"owner", 1.5}},
      {{"path", "/a"}, {"owner", 18446744073709551615ull}},
      {{"path", "/a"}, {"wait", false}},
      {{"path", "/a"}, {"wait", 0}},
      {{"path", "/a"}, {"label", "abc"}},
      {{"path", "/a"}, {"label", "abcd"}},
      {{"path", "/a"}, {"label", "a"}},
      {{"path", "/a"}, {"label", "\u00e9"}},
      {{"path", "/a"}, {"label", "\u00e9\u00e9\u00e9"}},  // three characters, six bytes
      {{"path", "/a"}, {"label", nullptr}},
      {{"path", "/" + std::string(8191, 'a')}},  // 8192 bytes: the longest matched
      {{"path", "/" + std::string(8192, 'a')}},
      {{"path", "/a"}, {"other", 1}},
      {{"owner", 1}},
      json::object(),
      json::array(),
      "/a",
  });
  for (const auto& sample : samples) {
    const bool schema_accepts = !schema.validate(sample, "target").has_value();
    bool parser_accepts = true;
    try {
      lock_fields().parse(sample);
    } catch (const StopError&) {
      parser_accepts = false;
    }
    EXPECT_EQ(schema_accepts, parser_accepts) << sample.dump();
  }
}

// A selector: every field optional, but at least one given; labels and an enumerated state.
struct Selector {
  std::optional<std::map<std::string, std::string>> labels;
  std::optional<std::string> state;
  std::optional<std::string> name;
};

const Fields<Selector>& selector_fields() {
  static const auto fields =
      Fields<Selector>()
          .at_least_one()
          .optional("labels", &Selector::labels,
                    text_map()
                        .keys(text().min_length(1).max_length(5))
                        .values(text().max_length(3))
                        .max_entries(2)
                        .describe("all must match"))
          .optional("state", &Selector::state,
                    one_of({"running", "exited", "any"}).describe("default running"))
          .optional("name", &Selector::name, text().min_length(1));
  return fields;
}

std::string selector_refusal(const json& value) {
  try {
    selector_fields().parse(value, "selector");
  } catch (const StopError& e) {
    EXPECT_EQ(e.code(), Code::invalid_argument);
    return e.what();
  }
  return "";
}

TEST(Fields, SelectorSchemaHasTheMapTheChoiceAndAtLeastOneProperty) {
  const json schema = selector_fields().schema();
  EXPECT_EQ(schema["minProperties"], 1);
  EXPECT_FALSE(schema.contains("required"));
  EXPECT_EQ(schema["properties"]["labels"],
            json({{"type", "object"},
                  {"additionalProperties", {{"type", "string"}, {"maxLength", 3}}},
                  {"propertyNames", {{"type", "string"}, {"minLength", 1}, {"maxLength", 5}}},
                  {"maxProperties", 2},
                  {"description", "all must match"}}));
  EXPECT_EQ(schema["properties"]["state"], json({{"type", "string"},
                                                 {"enum", {"running", "exited", "any"}},
                                                 {"description", "default running"}}));
  // A map without key or value rules: any string to any string.
  struct Tags {
    std::map<std::string, std::string> tags;
  };
  EXPECT_EQ(Fields<Tags>().required("tags", &Tags::tags, text_map()).schema()["properties"]["tags"],
            json({{"type", "object"}, {"additionalProperties", {{"type", "string"}}}}));
}

TEST(Fields, ParsesMapsAndChoices) {
  const Selector selector =
      selector_fields().parse({{"labels", {{"app", "web"}, {"tier", ""}}}, {"state", "any"}});
  EXPECT_EQ(selector.labels, (std::map<std::string, std::string>{{"app", "web"}, {"tier", ""}}));
  EXPECT_EQ(selector.state, "any");
  EXPECT_FALSE(selector.name.has_value());
  EXPECT_EQ(selector_fields().parse({{"labels", json::object()}}).labels,
            (std::map<std::string, std::string>{}));
}

TEST(Fields, MapChoiceAndEmptySelectorRefusalsNameTheFieldAndWhatWasExpected) {
  EXPECT_EQ(selector_refusal(json::object()),
            "selector: expected at least one of labels, state, name, got {}");
  EXPECT_EQ(selector_refusal({{"labels", "app=web"}}),
            "selector.labels: expected an object of strings with at most 2 entries (all must "
            "match), got \"app=web\"");
  EXPECT_EQ(selector_refusal({{"labels", {{"a", "1"}, {"b", "2"}, {"c", "3"}}}}),
            "selector.labels: expected an object of strings with at most 2 entries (all must "
            "match), got {\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"}");
  EXPECT_EQ(selector_refusal({{"labels", {{"", "1"}}}}),
            "selector.labels: expected a key of 1 to 5 characters, got \"\"");
  EXPECT_EQ(selector_refusal({{"labels", {{"toolong", "1"}}}}),
            "selector.labels: expected a key of 1 to 5 characters, got \"toolong\"");
  EXPECT_EQ(selector_refusal({{"labels", {{"app", 1}}}}),
            "selector.labels[\"app\"]: expected a string of at most 3 characters, got 1");
  EXPECT_EQ(selector_refusal({{"labels", {{"app", "long"}}}}),
            "selector.labels[\"app\"]: expected a string of at most 3 characters, got \"long\"");
  EXPECT_EQ(selector_refusal({{"state", "stopped"}}),
            "selector.state: expected one of running, exited, any (default running), got "
            "\"stopped\"");
  EXPECT_EQ(selector_refusal({{"state", 1}}),
            "selector.state: expected one of running, exited, any (default running), got 1");
}

TEST(Fields, TheSelectorSchemaAndParserAgree) {
  const core::JsonSchema schema(selector_fields().schema());
  const json samples = json::array({
      json::object(),
      {{"name", "x"}},
      {{"name", ""}},
      {{"labels", json::object()}},
      {{"labels", {{"a", "b"}}}},
      {{"labels", {{"a", "b"}, {"c", "d"}}}},
      {{"labels", {{"a", "b"}, {"c", "d"}, {"e", "f"}}}},
      {{"labels", {{"", "b"}}}},
      {{"labels", {{"abcde", "b"}}}},
      {{"labels", {{"abcdef", "b"}}}},
      {{"labels", {{"\u00e9\u00e9\u00e9\u00e9\u00e9", "b"}}}},  // five characters, ten bytes
      {{"labels", {{"a", "\u00e9\u00e9\u00e9"}}}},
      {{"labels", {{"a", "abcd"}}}},
      {{"labels", {{"a", 1}}}},
      {{"labels", {{"a", nullptr}}}},
      {{"labels", {{"a", {{"b", "c"}}}}}},
      {{"labels", json::array({"a"})}},
      {{"labels", nullptr}},
      {{"state", "running"}},
      {{"state", "any"}},
      {{"state", "Running"}},
      {{"state", ""}},
      {{"state", json::array({"running"})}},
      {{"state", "exited"}, {"other", 1}},
      json::array(),
  });
  for (const auto& sample : samples) {
    const bool schema_accepts = !schema.validate(sample, "selector").has_value();
    bool parser_accepts = true;
    try {
      selector_fields().parse(sample, "selector");
    } catch (const StopError&) {
      parser_accepts = false;
    }
    EXPECT_EQ(schema_accepts, parser_accepts) << sample.dump();
  }
}

}  // namespace
}  // namespace stopd::sdk
