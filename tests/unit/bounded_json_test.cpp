// Bounded JSON: parsing refuses what would make later steps recurse or allocate without bound,
// and excerpts render only what they show, whatever the value.
#include "stopd/core/bounded_json.hpp"

#include <gtest/gtest.h>

#include <string>

namespace stopd::core {
namespace {

using nlohmann::json;

std::string nested_arrays(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

// A value nested `depth` arrays deep, built without recursion (nlohmann destroys it without
// recursion too).
json deep_value(std::size_t depth) {
  json root = json::array();
  json* innermost = &root;
  for (std::size_t i = 1; i < depth; ++i) {
    innermost->push_back(json::array());
    innermost = &innermost->back();
  }
  return root;
}

DocumentTextError refusal_of(std::string_view text) {
  try {
    parse_bounded_json(text);
  } catch (const DocumentTextError& e) {
    return e;
  }
  ADD_FAILURE() << "accepted: " << text_excerpt(text);
  return DocumentTextError(DocumentTextError::Kind::syntax, 0, 0, "");
}

TEST(BoundedJson, NestingUpToTheLimitIsAccepted) {
  const json value = parse_bounded_json(nested_arrays(limits::kMaxNesting));
  EXPECT_EQ(nesting_depth(value), limits::kMaxNesting);
}

TEST(BoundedJson, NestingPastTheLimitIsRefusedWhereItHappens) {
  const DocumentTextError e = refusal_of(nested_arrays(limits::kMaxNesting + 1));
  EXPECT_EQ(e.kind(), DocumentTextError::Kind::limit);
  EXPECT_EQ(e.line(), 1u);
  EXPECT_EQ(e.column(), static_cast<std::size_t>(limits::kMaxNesting) + 1);
  EXPECT_NE(e.reason().find("32 levels"), std::string::npos) << e.reason();
}

TEST(BoundedJson, FiftyThousandLevelsAreRefusedNotRecursedInto) {
  const std::string text = "{\"steps\": " + nested_arrays(50'000) + "}";
  EXPECT_EQ(refusal_of(text).kind(), DocumentTextError::Kind::limit);
}

TEST(BoundedJson, BracketsInsideStringsDoNotCount) {
  const std::string text = "[\"" + std::string(1000, '[') + "\\\"{{{\"]";
  EXPECT_EQ(parse_bounded_json(text)[0].get<std::string>().size(), 1004u);
}

TEST(BoundedJson, TooManyValuesAreRefused) {
  std::string text = "[";
  for (std::size_t i = 0; i <= limits::kMaxDocumentValues; ++i) text += "0,";
  text += "0]";
  const DocumentTextError e = refusal_of(text);
  EXPECT_EQ(e.kind(), DocumentTextError::Kind::limit);
  EXPECT_NE(e.reason().find("1,000,000 values"), std::string::npos) << e.reason();
}

TEST(BoundedJson, SyntaxErrorsNameLineAndColumnButNeverQuoteTheText) {
  const DocumentTextError e = refusal_of("{\n  \"token\": s3cr3t-value\n}");
  EXPECT_EQ(e.kind(), DocumentTextError::Kind::syntax);
  EXPECT_EQ(e.line(), 2u);
  EXPECT_EQ(e.reason().find("s3cr3t"), std::string::npos) << e.reason();
}

// nlohmann throws out_of_range, not parse_error, for a number beyond a double.
TEST(BoundedJson, ANumberBeyondADoubleIsASyntaxErrorWhereItIs) {
  const DocumentTextError e = refusal_of("{\"a\": \"1e400\",\n \"b\": [1, -2e400]}");
  EXPECT_EQ(e.kind(), DocumentTextError::Kind::syntax);
  EXPECT_EQ(e.line(), 2u);
  EXPECT_EQ(e.column(), 11u);
  EXPECT_EQ(e.reason(), "a number beyond the range of a double");
}

TEST(BoundedJson, NestingDepthOfAHugeValueStopsCounting) {
  const json value = deep_value(200'000);
  EXPECT_EQ(nesting_depth(value), limits::kMaxNesting + 1);
  EXPECT_EQ(nesting_depth(json(5)), 0);
  EXPECT_EQ(nesting_depth(json{{"a", {1, {2}}}}), 3);
}

TEST(BoundedJson, ExcerptOfADeepValueRendersOnlyWhatItShows) {
  // dump() would recurse 200,000 frames deep here.
  const std::string excerpt = json_excerpt(deep_value(200'000));
  EXPECT_EQ(excerpt.substr(0, 10), "[[[[[[[[[[");
  EXPECT_LE(excerpt.size(), limits::kMaxQuotedBytes + 3);
  EXPECT_EQ(excerpt.substr(excerpt.size() - 3), "…");
}

TEST(BoundedJson, ExcerptOfASmallValueIsItsJson) {
  const json value = {{"pid", 42}, {"name", "a\nb"}, {"list", {1, 2.5, nullptr, true}}};
  EXPECT_EQ(json_excerpt(value, 1000), value.dump());
  EXPECT_EQ(json_excerpt(json::object()), "{}");
  EXPECT_EQ(json_excerpt(json::array()), "[]");
}

TEST(BoundedJson, ExcerptOfAHugeStringOrKeyIsShort) {
  EXPECT_LE(json_excerpt(json(std::string(10'000'000, 'x'))).size(), limits::kMaxQuotedBytes + 3);
  const json keyed = {{std::string(100'000, 'k'), 1}};
  EXPECT_LE(json_excerpt(keyed).size(), limits::kMaxQuotedBytes + 3);
}

TEST(BoundedJson, ExcerptReplacesInvalidUtf8InsteadOfThrowing) {
  const std::string excerpt = json_excerpt(json(std::string("ok\xff\xfe")));
  EXPECT_FALSE(invalid_utf8_at(excerpt).has_value()) << excerpt;
}

TEST(BoundedJson, TextExcerptCutsOnACharacterBoundary) {
  const std::string text = "ab" + std::string("\xe4\xb8\xad") + "cd";  // ab中cd
  EXPECT_EQ(text_excerpt(text, 3), "ab…");
  EXPECT_EQ(text_excerpt(text, 5), "ab\xe4\xb8\xad…");
  EXPECT_EQ(text_excerpt(text, 7), text);
}

TEST(BoundedJson, PositionsCountCharacters) {
  const TextPosition at = position_in(
      "ab\n\xe4\xb8\xad"
      "x",
      6);
  EXPECT_EQ(at.line, 2u);
  EXPECT_EQ(at.column, 2u);
}

}  // namespace
}  // namespace stopd::core
