// `stopctl batch` through the real daemon: the plan submitted, followed to its end, shown and
// reported like a local batch; a plan the daemon refuses exits with the invalid-plan code.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "stopd/test/child_process.hpp"
#include "test_daemon.hpp"

namespace stopd::e2e {
namespace {

using stopd::test::spawn_child;

std::vector<nlohmann::json> report_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

TEST(ClientBatch, RunsThePlanInTheDaemonAndWritesTheReport) {
  TempDir dir;
  TestDaemon daemon(dir);
  auto first = spawn_child({"--exit-on-term"});
  auto second = spawn_child({"--ignore-term"});
  const std::string plan = dir.write(
      "plan.yaml",
      "waves: [one, two]\n"
      "steps:\n"
      "  - {name: first, type: local.process, wave: one, target: {pid: " +
          std::to_string(first.pid()) +
          "}}\n"
          "  - {name: second, type: local.process, wave: two, grace: 0.2, target: {pid: " +
          std::to_string(second.pid()) + "}}\n");
  const std::string report = (dir.path() / "run.jsonl").string();
  const auto result = daemon.stopctl({"batch", plan, "--report", report});
  ASSERT_EQ(result.exit_code, 0) << result;
  EXPECT_NE(result.out.find("2 succeeded"), std::string::npos) << result;
  EXPECT_FALSE(first.running());
  EXPECT_FALSE(second.running());

  const auto lines = report_lines(report);
  ASSERT_EQ(lines.size(), 3u) << nlohmann::json(lines).dump() << "\n"
                              << result;  // two items, then the summary
  EXPECT_EQ(lines[0].value("item", ""), "first#0");
  EXPECT_EQ(lines[1].value("item", ""), "second#0");
  EXPECT_TRUE(lines[1].value("forced", false)) << lines[1].dump();
  const auto& summary = lines[2]["summary"];
  EXPECT_EQ(summary.value("succeeded", 0), 2) << lines[2].dump();
  // The batch's times are the daemon's, around its items' (RFC 3339 UTC strings sort as times).
  EXPECT_LE(summary.value("started", ""), lines[0].value("started", "")) << lines[2].dump();
  EXPECT_GE(summary.value("finished", ""), lines[1].value("finished", "")) << lines[2].dump();
  EXPECT_GT(summary.value("started", ""), "2020") << lines[2].dump();
}

TEST(ClientBatch, ADryRunChangesNothingAndAnInvalidPlanRunsNothing) {
  TempDir dir;
  TestDaemon daemon(dir);
  auto child = spawn_child({"--exit-on-term"});
  const std::string plan = dir.write(
      "plan.json", R"({"steps": [{"name": "a", "type": "local.process", "target": {"pid": )" +
                       std::to_string(child.pid()) + "}}]}");
  const auto dry = daemon.stopctl({"batch", plan, "--dry-run", "-o", "json"});
  ASSERT_EQ(dry.exit_code, 0) << dry;
  EXPECT_TRUE(dry.json()["summary"].value("dry_run", false)) << dry;
  EXPECT_TRUE(child.running());

  const std::string missing_key =
      dir.write("bad.json", R"({"steps": [{"name": "a", "type": "local.process", "target": {}}]})");
  const auto refused = daemon.stopctl({"batch", missing_key});
  EXPECT_EQ(refused.exit_code, 101) << refused;
  EXPECT_NE(refused.err.find("step 'a'"), std::string::npos) << refused;
  EXPECT_TRUE(child.running());
}

}  // namespace
}  // namespace stopd::e2e
