// `stopctl --local batch` against real processes: order, report, resume, dry run, selectors
// (cgroup, comm), duplicates, failure policies, bad plans, Ctrl-C.
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include "stopctl_runner.hpp"
#include "stopd/test/child_process.hpp"
#include "stopd/test/requirement.hpp"
#include "stopd/test/temp_cgroup.hpp"

extern char** environ;

namespace stopd::e2e {
namespace {

using nlohmann::json;
using stopd::test::spawn_child;

std::vector<json> report_lines(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<json> lines;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(json::parse(line));
  return lines;
}

// The last record of each item in a report, by item id.
std::map<std::string, json> records_by_item(const std::vector<json>& lines) {
  std::map<std::string, json> records;
  for (const auto& line : lines)
    if (line.contains("item")) records[line["item"].get<std::string>()] = line;
  return records;
}

std::string pid_target(pid_t pid) {
  return "{\"pid\": " + std::to_string(pid) + "}";
}

std::chrono::system_clock::time_point parse_time(const json& value) {
  std::tm tm{};
  int millis = 0;
  std::sscanf(value.get<std::string>().c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &tm.tm_year,
              &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &millis);
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return std::chrono::system_clock::from_time_t(timegm(&tm)) + std::chrono::milliseconds(millis);
}

TEST(BatchStop, WavesAndNeedsStopRealProcessesInOrderWithAReport) {
  auto first = spawn_child({"--exit-on-term"});
  auto second = spawn_child({"--exit-on-term"});
  auto third = spawn_child({"--exit-on-term"});
  TempDir dir;
  const auto plan = dir.write("plan.json", R"({"waves": ["front", "back"], "concurrency": 4,
    "steps": [
      {"name": "db", "type": "local.process", "wave": "back", "target": )" +
                                               pid_target(third.pid()) + R"(, "needs": ["app"]},
      {"name": "app", "type": "local.process", "wave": "back", "target": )" +
                                               pid_target(second.pid()) + R"(},
      {"name": "web", "type": "local.process", "wave": "front", "target": )" +
                                               pid_target(first.pid()) + R"(}]})");
  const auto report = dir.path() / "report.jsonl";
  const auto result = run_stopctl({"--local", "batch", plan, "--report", report.string()});
  ASSERT_EQ(result.exit_code, 0) << result;
  EXPECT_FALSE(first.running());
  EXPECT_FALSE(second.running());
  EXPECT_FALSE(third.running());
  EXPECT_TRUE(
      contains(result.out, "stopped: web#0 local.process pid=" + std::to_string(first.pid())))
      << result;
  EXPECT_TRUE(contains(result.out, "batch: 3 items: 3 succeeded, 0 failed, 0 skipped")) << result;

  const auto lines = report_lines(report);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_TRUE(lines.back().contains("summary"));
  EXPECT_EQ(lines.back()["summary"]["succeeded"], 3);
  auto records = records_by_item(lines);
  for (const char* key : {"step", "item", "type", "target", "code", "message", "forced", "started",
                          "finished", "attempts"})
    EXPECT_TRUE(records["db#0"].contains(key)) << key;
  // The recorded times show the order: web before app (wave), app before db (needs).
  EXPECT_LE(parse_time(records["web#0"]["finished"]), parse_time(records["app#0"]["started"]));
  EXPECT_LE(parse_time(records["app#0"]["finished"]), parse_time(records["db#0"]["started"]));
}

TEST(BatchStop, DryRunChangesNothingAndShowsTheOrder) {
  auto child = spawn_child({"--exit-on-term"});
  TempDir dir;
  const auto plan = dir.write("plan.yaml",
                              "waves: [first, second]\nsteps:\n"
                              "  - name: later\n    type: local.process\n"
                              "    wave: second\n    target: {pid: " +
                                  std::to_string(child.pid()) +
                                  "}\n"
                                  "  - name: sooner\n    type: local.process\n"
                                  "    wave: first\n    target: {pid: " +
                                  std::to_string(child.pid()) + "}\n");
  const auto result = run_stopctl({"--local", "batch", plan, "--dry-run"});
  ASSERT_EQ(result.exit_code, 0) << result;
  EXPECT_TRUE(child.running()) << "a dry run stopped a process";
  const auto wave_first = result.out.find("wave first:");
  const auto wave_second = result.out.find("wave second:");
  ASSERT_NE(wave_first, std::string::npos) << result;
  EXPECT_LT(wave_first, wave_second) << result;
  EXPECT_TRUE(contains(result.out, "would stop pid " + std::to_string(child.pid()))) << result;
  EXPECT_TRUE(contains(result.out, "nothing was changed")) << result;
}

TEST(BatchStop, ResumeAfterAPartialFailureStopsOnlyWhatRemained) {
  auto done_first = spawn_child({"--exit-on-term"});
  auto late = spawn_child({"--exit-on-term"});
  TempDir dir;
  const auto pidfile = dir.path() / "late.pid";
  const auto plan = dir.write("plan.json", R"({"steps": [
      {"name": "early", "type": "local.process", "target": )" +
                                               pid_target(done_first.pid()) + R"(},
      {"name": "late", "type": "local.process", "target": {"pidfile": ")" +
                                               pidfile.string() + R"("}},
      {"name": "after", "type": "local.process", "target": {"pid": 999999}, "needs": ["late"]}]})");
  const auto first_report = dir.path() / "first.jsonl";
  const auto first = run_stopctl({"--local", "batch", plan, "--report", first_report.string()});
  ASSERT_EQ(first.exit_code, 2) << "one failed (not_found), one skipped\n" << first;
  EXPECT_FALSE(done_first.running());
  auto records = records_by_item(report_lines(first_report));
  EXPECT_EQ(records["late#0"]["code"], "not_found");
  EXPECT_EQ(records["after#0"]["code"], "skipped");
  EXPECT_TRUE(contains(records["after#0"]["skipped"].get<std::string>(),
                       "needs step late, which failed: late#0 ended not_found"))
      << records["after#0"];

  std::ofstream(pidfile) << late.pid() << "\n";
  const auto second_report = dir.path() / "second.jsonl";
  const auto second = run_stopctl({"--local", "batch", plan, "--resume", first_report.string(),
                                   "--report", second_report.string()});
  ASSERT_EQ(second.exit_code, 0) << second;
  EXPECT_FALSE(late.running());
  records = records_by_item(report_lines(second_report));
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records["early#0"]["carried"], true) << "not run again";
  EXPECT_EQ(records["early#0"]["code"], "stopped");
  EXPECT_EQ(records["late#0"]["code"], "stopped");
  EXPECT_FALSE(records["late#0"].contains("carried"));
  EXPECT_EQ(records["after#0"]["code"], "already_stopped");  // pid 999999 does not exist
  EXPECT_FALSE(contains(second.out, "early#0")) << "carried items are not stopped again\n"
                                                << second;
}

TEST(BatchStop, CgroupSelectorExpandsToEveryProcessInside) {
  auto cgroup = stopd::test::TempCgroup::create(stopd::test::CgroupVersion::v2);
  if (!cgroup) cgroup = stopd::test::TempCgroup::create(stopd::test::CgroupVersion::v1);
  STOPD_REQUIRE_OR_SKIP(cgroup.has_value(), "a writable cgroup hierarchy");
  auto member = spawn_child({"--exit-on-term", "--join-cgroup", cgroup->path(), "--children", "2"});
  auto outsider = spawn_child({"--exit-on-term"});
  TempDir dir;
  const auto plan = dir.write("plan.yaml",
                              "steps:\n  - name: group\n    type: local.process\n"
                              "    selector: {cgroup: \"" +
                                  cgroup->path() + "\"}\n");
  const auto result = run_stopctl({"--local", "batch", plan, "-o", "json"});
  ASSERT_EQ(result.exit_code, 0) << result;
  const json doc = result.json();
  ASSERT_EQ(doc["items"].size(), 3u) << result;
  std::set<pid_t> pids;
  for (const auto& item : doc["items"]) {
    EXPECT_EQ(item["code"], "stopped") << item;
    pids.insert(item["target"]["pid"].get<pid_t>());
  }
  EXPECT_TRUE(pids.count(member.pid())) << result;
  for (pid_t pid : member.children()) EXPECT_TRUE(pids.count(pid)) << pid;
  EXPECT_TRUE(member.all_exited());
  EXPECT_TRUE(outsider.running()) << "a process outside the cgroup was stopped";
}

// A copy of sleep under a name nothing else on the machine uses, so a comm selector matches only
// what this test started.
class NamedSleeps {
 public:
  NamedSleeps(const TempDir& dir, int count) {
    name_ = "bsel" + std::to_string(getpid() % 100000);
    const auto binary = dir.path() / name_;
    std::filesystem::copy_file("/bin/sleep", binary);
    for (int i = 0; i < count; ++i) {
      std::string path = binary.string();
      std::string seconds = "300";
      char* argv[] = {path.data(), seconds.data(), nullptr};
      pid_t pid = -1;
      if (posix_spawn(&pid, path.c_str(), nullptr, nullptr, argv, environ) == 0)
        pids_.push_back(pid);
    }
  }
  ~NamedSleeps() {
    for (pid_t pid : pids_) kill(pid, SIGKILL);
    for (pid_t pid : pids_) waitpid(pid, nullptr, 0);
  }
  const std::string& name() const { return name_; }
  const std::vector<pid_t>& pids() const { return pids_; }
  // Reaps those that exited; true when every one did (within a few seconds).
  bool all_exited() {
    const auto until = std::chrono::steady_clock::now() + 5s;
    std::size_t exited = 0;
    std::vector<pid_t> left = pids_;
    while (!left.empty() && std::chrono::steady_clock::now() < until) {
      for (auto it = left.begin(); it != left.end();) {
        if (waitpid(*it, nullptr, WNOHANG) == *it) {
          ++exited;
          it = left.erase(it);
        } else {
          ++it;
        }
      }
      std::this_thread::sleep_for(10ms);
    }
    pids_ = left;  // the rest are reaped
    return left.empty() && exited > 0;
  }

 private:
  std::string name_;
  std::vector<pid_t> pids_;
};

TEST(BatchStop, CommSelectorAndDuplicateTargetsStopEachProcessOnce) {
  TempDir dir;
  NamedSleeps sleeps(dir, 3);
  ASSERT_EQ(sleeps.pids().size(), 3u);
  std::this_thread::sleep_for(100ms);  // let exec set the comm
  const auto plan = dir.write("plan.json", R"({"steps": [
      {"name": "by-name", "type": "local.process", "selector": {"comm": ")" +
                                               sleeps.name() + R"("}},
      {"name": "again", "type": "local.process", "selector": {"comm": ")" +
                                               sleeps.name() + R"("}, "wave": 1}]})");
  const auto result = run_stopctl({"--local", "batch", plan, "-o", "json"});
  ASSERT_EQ(result.exit_code, 0) << result;
  const json doc = result.json();
  ASSERT_EQ(doc["items"].size(), 6u) << result;
  int shared = 0;
  for (const auto& item : doc["items"]) {
    EXPECT_EQ(item["code"], "stopped") << item;
    if (item.contains("same_as")) ++shared;
  }
  EXPECT_EQ(shared, 3) << "the second step's items share the first step's stops\n" << result;
  EXPECT_TRUE(sleeps.all_exited());
}

TEST(BatchStop, FailFastHaltsAndTheExitCodeCountsWhatDidNotSucceed) {
  auto never = spawn_child({"--exit-on-term"});
  TempDir dir;
  const auto plan = dir.write("plan.json", R"({"concurrency": 1, "steps": [
      {"name": "missing", "type": "local.process", "target": {"pidfile": "/nonexistent/x.pid"}},
      {"name": "spared", "type": "local.process", "target": )" +
                                               pid_target(never.pid()) + R"(, "wave": 1}]})");
  const auto result = run_stopctl({"--local", "batch", plan, "--fail-fast"});
  EXPECT_EQ(result.exit_code, 2) << result;
  EXPECT_TRUE(never.running()) << "fail-fast still ran the next wave";
  EXPECT_TRUE(contains(result.out, "skipped: spared#0")) << result;
  EXPECT_TRUE(contains(result.out, "halted: 1 failure")) << result;
}

struct BadPlan {
  const char* name;
  const char* file;
  std::string text;
  std::string expected;
};

TEST(BatchStop, BadPlansAreRefusedBeforeAnythingRuns) {
  auto child = spawn_child({"--exit-on-term"});
  const std::string pid = std::to_string(child.pid());
  const std::string good =
      R"({"name": "ok", "type": "local.process", "target": {"pid": )" + pid + "}}";
  const std::vector<BadPlan> plans = {
      {"json syntax", "p.json", "{\"steps\": [\n  " + good + ",\n  {\"name\": }\n]}",
       "p.json:3:12: syntax error"},
      {"yaml syntax", "p.yaml",
       "steps:\n  - name: ok\n    type: local.process\n    target: {pid: " + pid + "\n", "p.yaml:"},
      {"unknown type", "p.json",
       R"({"steps": [)" + good + R"(, {"name": "x", "type": "no.such", "target": {}}]})",
       "step 'x': type: unknown resource type 'no.such'"},
      {"missing target key", "p.json",
       R"({"steps": [)" + good + R"(, {"name": "x", "type": "local.process", "target": {}}]})",
       "step 'x': target"},
      {"cycle", "p.json",
       R"({"steps": [)" + good +
           R"(, {"name": "a", "type": "local.process", "target": {"pid": 1}, "needs": ["b"]},
              {"name": "b", "type": "local.process", "target": {"pid": 1}, "needs": ["a"]}]})",
       "needs form a cycle, so none of these steps could run: a → b → a"},
      {"dangling need", "p.json",
       R"({"steps": [)" + good +
           R"(, {"name": "a", "type": "local.process", "target": {"pid": 1}, "needs": ["zz"]}]})",
       "step 'a': needs: no step is called 'zz'"},
      {"negative grace", "p.json",
       R"({"steps": [)" + good +
           R"(, {"name": "a", "type": "local.process", "target": {"pid": 1}, "grace": -2}]})",
       "step 'a' (steps[1]): grace: expected a number >= 0, got -2"},
  };
  for (const auto& bad : plans) {
    TempDir dir;
    const auto path = dir.write(bad.file, bad.text);
    const auto result = run_stopctl({"--local", "batch", path});
    EXPECT_EQ(result.exit_code, 101) << bad.name << "\n" << result;
    EXPECT_TRUE(contains(result.err, "is not a valid plan; nothing was run")) << bad.name << "\n"
                                                                              << result;
    EXPECT_TRUE(contains(result.err, bad.expected)) << bad.name << "\n" << result;
    EXPECT_TRUE(child.running()) << bad.name << ": something ran";
  }
  // -o json: the error as one object, with the batch exit code.
  TempDir dir;
  const auto path = dir.write("p.json", "{");
  const auto result = run_stopctl({"--local", "batch", path, "-o", "json"});
  EXPECT_EQ(result.exit_code, 101) << result;
  EXPECT_EQ(result.json().value("code", ""), "invalid_plan") << result;
  EXPECT_EQ(result.json().value("exit_code", 0), 101) << result;
}

TEST(BatchStop, CommandLineErrorsHaveBatchCodes) {
  TempDir dir;
  const auto plan = dir.write("p.json", R"({"steps": [{"name": "a", "type": "t", "target": {}}]})");
  // Through the daemon: --resume is --local's; no daemon at the socket is the daemon's code.
  EXPECT_EQ(run_stopctl({"batch", plan, "--resume", plan}).exit_code, 102);
  EXPECT_EQ(run_stopctl({"--socket", (dir.path() / "none.sock").string(), "batch", plan}).exit_code,
            106);
  EXPECT_EQ(run_stopctl({"--local", "batch", plan, "--parallel", "0"}).exit_code, 102);
  EXPECT_EQ(run_stopctl({"--local", "batch", plan, "--max-failures", "x%"}).exit_code, 102);
  EXPECT_EQ(run_stopctl({"--local", "batch", plan, "--fail-fast", "--max-failures", "2"}).exit_code,
            102);
  EXPECT_EQ(run_stopctl({"--local", "batch"}).exit_code, 102);
  EXPECT_EQ(run_stopctl({"--local", "batch", plan, "--resume", "/nonexistent/r.jsonl"}).exit_code,
            103);
  // The command line is checked before the plan is read, in both modes.
  const std::string missing = (dir.path() / "missing.json").string();
  EXPECT_EQ(run_stopctl({"--local", "batch", missing, "--max-failures", "x%"}).exit_code, 102);
  EXPECT_EQ(run_stopctl({"batch", missing, "--parallel", "0"}).exit_code, 102);
}

// Timing: stopctl is interrupted while a stop waits out its grace.
TEST(BatchStopTiming, InterruptCancelsTheBatchAndCompletesTheReport) {
  auto stubborn = spawn_child({"--ignore-term"});
  auto later = spawn_child({"--exit-on-term"});
  TempDir dir;
  const auto plan = dir.write("plan.json", R"({"steps": [
      {"name": "stubborn", "type": "local.process", "target": )" +
                                               pid_target(stubborn.pid()) + R"(, "grace": 60},
      {"name": "later", "type": "local.process", "target": )" +
                                               pid_target(later.pid()) + R"(, "wave": 1}]})");
  const auto report = dir.path() / "r.jsonl";
  StopctlProcess process({"--local", "batch", plan, "--report", report.string()});
  // Ctrl-C once the first stop is under way (a fixed wait was too short for stopctl to start
  // under ASan on a busy machine, and the item was then skipped, not cancelled).
  ASSERT_TRUE(process.wait_until_stopping(stubborn.pid())) << "the first stop never began";
  process.signal(SIGINT);
  const auto result = process.finish(30s);
  EXPECT_EQ(result.exit_code, 104) << result;
  EXPECT_TRUE(later.running()) << "the next wave ran after Ctrl-C";
  const auto records = records_by_item(report_lines(report));
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records.at("stubborn#0")["code"], "cancelled");
  EXPECT_EQ(records.at("later#0")["code"], "skipped");
  EXPECT_TRUE(report_lines(report).back()["summary"]["cancelled"].get<bool>());
}

}  // namespace
}  // namespace stopd::e2e
