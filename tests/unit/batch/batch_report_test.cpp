// Report lines survive the round trip that --resume depends on.
#include "stopd/batch/batch_report.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace stopd::core {
namespace {

TEST(BatchReport, RecordsRoundTripAndTheLastLineOfAnItemWins) {
  BatchItemRecord ran;
  ran.item = "s#0";
  ran.step = "s";
  ran.type = "local.process";
  ran.target = {{"pid", 42}};
  ran.code = sdk::Code::unavailable;
  ran.message = "busy";
  ran.attempts = 3;
  ran.started = std::chrono::system_clock::time_point(std::chrono::milliseconds(1700000000123));
  ran.finished = std::chrono::system_clock::time_point(std::chrono::milliseconds(1700000001456));
  BatchItemRecord skipped;
  skipped.item = "t#0";
  skipped.step = "t";
  skipped.type = "local.process";
  skipped.target = {{"pid", 43}};
  skipped.skipped = "needs step s, which failed: …";
  BatchItemRecord later = ran;
  later.code = sdk::Code::stopped;
  later.same_as = "x#1";

  std::stringstream report;
  report << batch_record_json(ran).dump() << "\n"
         << batch_record_json(skipped).dump() << "\n"
         << batch_record_json(later).dump() << "\n"
         << batch_summary_json(BatchSummary{}).dump() << "\n";
  const auto json = batch_record_json(skipped);
  EXPECT_EQ(json["code"], "skipped");
  EXPECT_EQ(json["message"], skipped.skipped);
  EXPECT_TRUE(json["started"].is_null());

  const auto records = read_batch_report(report, "r.jsonl");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].item, "s#0");
  EXPECT_EQ(records[0].code, std::optional(sdk::Code::stopped));
  EXPECT_EQ(records[0].same_as, "x#1");
  EXPECT_EQ(records[0].attempts, 3u);
  EXPECT_EQ(records[0].started, ran.started);
  EXPECT_EQ(records[0].finished, ran.finished);
  EXPECT_FALSE(records[1].code.has_value());
  EXPECT_EQ(records[1].skipped, skipped.skipped);
}

TEST(BatchReport, ALineThatIsNotARecordIsNamedByItsNumber) {
  std::stringstream report("{\"summary\": {}}\n\nnot json\n");
  try {
    read_batch_report(report, "r.jsonl");
    FAIL() << "accepted a broken report";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).rfind("r.jsonl:3: not a batch report line", 0), 0u) << e.what();
  }
}

}  // namespace
}  // namespace stopd::core
