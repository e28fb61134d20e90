// UTF-8 as RFC 3629 has it: what is refused, repaired and where text may be cut.
#include "stopd/core/utf8.hpp"

#include <gtest/gtest.h>

namespace stopd::core {
namespace {

TEST(Utf8, InvalidBytesAreFoundWhereverTheyAre) {
  EXPECT_EQ(invalid_utf8_at("plain ascii"), std::nullopt);
  EXPECT_EQ(invalid_utf8_at("\xe4\xb8\xad\xf0\x9f\x98\x80"), std::nullopt);  // 中😀
  EXPECT_EQ(invalid_utf8_at("ab\xff"), 2u);
  EXPECT_EQ(invalid_utf8_at("\xc0\xaf"), 0u);          // overlong '/'
  EXPECT_EQ(invalid_utf8_at("x\xed\xa0\x80"), 1u);     // a surrogate
  EXPECT_EQ(invalid_utf8_at("\xf4\x90\x80\x80"), 0u);  // past U+10FFFF
  EXPECT_EQ(invalid_utf8_at("ok\xe4\xb8"), 2u);        // cut short
  EXPECT_EQ(invalid_utf8_at("ok\xe4x\xad"), 2u);
}

TEST(Utf8, RepairReplacesEachBadByteAndKeepsTheRest) {
  EXPECT_EQ(repair_utf8("caf\xe9!"), "caf\xEF\xBF\xBD!");
  EXPECT_EQ(repair_utf8("\xff\xfe"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(repair_utf8("ok \xe4\xb8\xad"), "ok \xe4\xb8\xad");
  EXPECT_FALSE(invalid_utf8_at(repair_utf8("\xc0\xaf\xed\xa0\x80\xf4\x90")).has_value());
}

TEST(Utf8, CutsNeverSplitACharacter) {
  const std::string text = "ab\xe4\xb8\xad";  // ab中
  EXPECT_EQ(utf8_cut(text, 2), 2u);
  EXPECT_EQ(utf8_cut(text, 3), 2u);
  EXPECT_EQ(utf8_cut(text, 4), 2u);
  EXPECT_EQ(utf8_cut(text, 5), 5u);
  EXPECT_EQ(utf8_cut(text, 100), 5u);
}

}  // namespace
}  // namespace stopd::core
