// printable(): what the log and stopctl's human output show of text that came from a caller or a
// resource; and the escaping sink that applies it to every log line.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

#include "stopd/core/logging.hpp"

namespace stopd::test {
namespace {

using core::is_printable;
using core::printable;
using namespace std::string_literals;

TEST(Printable, KeepsOrdinaryTextAndValidUtf8AsItIs) {
  for (const std::string& text :
       {""s, "pid=4242 (sleep) exited after SIGTERM"s, "C:\\path\\x1b is a backslash"s,
        "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x9b\x91"s,  // café 日本 🛑
        "\xc2\xa0 \xe2\x80\xa7 \xe2\x80\xb0 \xef\xbf\xbd \xf4\x8f\xbf\xbf"s}) {
    EXPECT_EQ(printable(text), text);
    EXPECT_TRUE(is_printable(text)) << text;
  }
}

TEST(Printable, EscapesEveryControlCharacter) {
  EXPECT_EQ(printable("a\nb\rc\td"), "a\\nb\\rc\\td");
  EXPECT_EQ(printable("\x1b[2J\x1b]0;pwned\x07"), "\\x1b[2J\\x1b]0;pwned\\x07");
  EXPECT_EQ(printable("nul\0end"s), "nul\\x00end");
  EXPECT_EQ(printable("\x08\x0b\x0c\x1f\x7f"), "\\x08\\x0b\\x0c\\x1f\\x7f");
  // C1 controls, encoded as UTF-8: NEL, CSI, the last one.
  EXPECT_EQ(printable("\xc2\x80|\xc2\x85|\xc2\x9b|\xc2\x9f"), "\\u0080|\\u0085|\\u009b|\\u009f");
  EXPECT_EQ(printable("line\xe2\x80\xa8sep\xe2\x80\xa9para"), "line\\u2028sep\\u2029para");
  // Bidirectional controls reorder what a terminal shows ("Trojan Source"); other three-byte
  // characters stay as they are.
  EXPECT_EQ(printable("a\xe2\x80\xae"
                      "b\xe2\x81\xa6"
                      "c\xe2\x80\x8f"
                      "d"),
            "a\\u202eb\\u2066c\\u200fd");
  EXPECT_EQ(printable("\xe2\x80\x94\xe4\xb8\xad"), "\xe2\x80\x94\xe4\xb8\xad");  // —中
  for (int c = 0; c < 0x20; ++c)
    EXPECT_FALSE(is_printable(std::string(1, static_cast<char>(c)))) << c;
  EXPECT_FALSE(is_printable("\x7f"));
}

TEST(Printable, EscapesEachByteThatIsNotUtf8) {
  EXPECT_EQ(printable("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(printable("a\x80z"), "a\\x80z");                         // stray continuation
  EXPECT_EQ(printable("\xc3"), "\\xc3");                             // cut short at the end
  EXPECT_EQ(printable("\xe2\x80z"), "\\xe2\\x80z");                  // cut short in the middle
  EXPECT_EQ(printable("\xc0\xaf"), "\\xc0\\xaf");                    // overlong '/'
  EXPECT_EQ(printable("\xe0\x80\xaf"), "\\xe0\\x80\\xaf");           // overlong, 3 bytes
  EXPECT_EQ(printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");           // a surrogate
  EXPECT_EQ(printable("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // above U+10FFFF
  EXPECT_EQ(printable("\xf5\x80"), "\\xf5\\x80");
  // A bad byte does not swallow the valid character after it.
  EXPECT_EQ(printable("\xe2\xc3\xa9"), "\\xe2\xc3\xa9");
  EXPECT_FALSE(is_printable("ok\xff"));
}

TEST(Printable, FindsWhatToEscapeAnywhereInALongRunOfAscii) {
  // Long runs are looked at eight bytes at a time: every position, every kind of byte, and the
  // edges of the printable range around it.
  for (std::size_t at = 0; at < 40; ++at) {
    for (const auto& [byte, shown] :
         std::vector<std::pair<std::string, std::string>>{{"\n", "\\n"},
                                                          {"\x1f", "\\x1f"},
                                                          {"\x7f", "\\x7f"},
                                                          {"\x80", "\\x80"},
                                                          {"\xc2\x85", "\\u0085"},
                                                          {" ", " "},
                                                          {"~", "~"},
                                                          {"\xc3\xa9", "\xc3\xa9"}}) {
      std::string text(40, 'a');
      text.replace(at, 1, byte);
      std::string expected(40, 'a');
      expected.replace(at, 1, shown);
      EXPECT_EQ(printable(text), expected) << at << " " << shown;
      EXPECT_EQ(is_printable(text), byte == shown) << at << " " << shown;
    }
  }
}

TEST(Printable, IsOneLineAndStableWhateverTheInput) {
  // Every byte value, and every pair: the result never holds a control byte, and escaping it
  // again changes nothing.
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  for (int a = 0x80; a < 256; ++a)
    for (int b = 0x80; b < 0xc0; b += 7) all += {static_cast<char>(a), static_cast<char>(b), ' '};
  const std::string shown = printable(all);
  for (const char c : shown) {
    const auto byte = static_cast<unsigned char>(c);
    ASSERT_TRUE(byte >= 0x20 && byte != 0x7f) << static_cast<int>(byte);
  }
  EXPECT_TRUE(is_printable(shown));
  EXPECT_EQ(printable(shown), shown);
  std::string appended = "kept: ";
  core::append_printable(appended, "a\nb");
  EXPECT_EQ(appended, "kept: a\\nb");
}

TEST(EscapingSink, EveryMessageIsOneLine) {
  std::ostringstream written;
  spdlog::logger logger(
      "test", core::escaping_sink(std::make_shared<spdlog::sinks::ostream_sink_st>(written)));
  logger.set_pattern("%l %v");
  logger.info("accepted request_id={} state={}", "x\n2026-01-01 info forged\r\x1b[2J", "running");
  logger.warn("plain {}", "text");
  logger.set_pattern("[%l] %v");  // a new pattern keeps the escaping
  logger.error(
      "a\xe2\x80\xa8"
      "b");
  EXPECT_EQ(written.str(),
            "info accepted request_id=x\\n2026-01-01 info forged\\r\\x1b[2J state=running\n"
            "warning plain text\n"
            "[error] a\\u2028b\n");
}

}  // namespace
}  // namespace stopd::test
