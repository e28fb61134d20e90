// A schedule's cron expression, as the config file and the schedule API take it. Every input must
// end in an expression or a CronError that starts "cron: " and shows nothing unprintable. An
// expression that parses must keep its promises: next_after() is strictly later and matches, and
// no minute between two firings matches.
#include <chrono>

#include "fuzz_check.hpp"
#include "stopd/schedule/cron_expression.hpp"

namespace {

using stopd::core::CronError;
using stopd::core::CronExpression;
using stopd::fuzz::check;
using stopd::fuzz::fail;
namespace chrono = std::chrono;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = stopd::fuzz::text_of(data, size);
  std::optional<CronExpression> cron;
  try {
    cron = CronExpression::parse(text);
  } catch (const CronError& e) {
    const std::string_view message = e.what();
    if (!message.starts_with("cron: ")) fail("a CronError does not start with 'cron: '", message);
    for (const char c : message)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
        fail("a CronError shows a control character", message);
    check(message.size() < 512, "a CronError is longer than 512 bytes");
    return 0;
  }
  check(cron->text() == text, "the expression does not keep its text");
  // 2026-03-01 00:00, local: a few firings and every minute between the first two.
  CronExpression::LocalMinutes at(chrono::minutes(29'533'680));
  for (int i = 0; i < 3; ++i) {
    const auto next = cron->next_after(at);
    if (!next) return 0;
    check(*next > at, "next_after() is not later");
    check(cron->matches(*next), "next_after() returned a minute that does not match");
    if (i == 0 && *next - at <= chrono::hours(24))
      for (auto m = at + chrono::minutes(1); m < *next; m += chrono::minutes(1))
        check(!cron->matches(m), "next_after() skipped a matching minute");
    at = *next;
  }
  return 0;
}
