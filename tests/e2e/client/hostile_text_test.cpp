// Text that callers and resources choose, through the real daemon: a request id, a target and a
// process name holding newlines, carriage returns, escape sequences, C1 controls and line
// separators are one escaped line in stopd's log and in stopctl's human output, and come back
// exactly with -o json. And the shape every -o json view of a job shares.
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>

#include <csignal>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "stopd/test/child_process.hpp"
#include "test_daemon.hpp"

extern char** environ;

namespace stopd::e2e {
namespace {

using nlohmann::json;
using stopd::test::spawn_child;
using Clock = std::chrono::steady_clock;

// A forged log line, a carriage return that hides what came before it, "clear the screen",
// "set the window title", CSI in its 8-bit (C1) form, a Unicode line separator.
const std::string kRequestId =
    "nightly\n2026-01-01T00:00:00.000+00:00 error FORGED line\r\x1b[2J\x1b]0;pwned\x07\xc2\x9b"
    "31m\xe2\x80\xa8"
    "end";
const std::string kRequestIdShown =
    "nightly\\n2026-01-01T00:00:00.000+00:00 error FORGED line\\r\\x1b[2J\\x1b]0;pwned\\x07\\u009b"
    "31m\\u2028end";
// A file name holds any byte but '/' and NUL.
const std::string kPidfileName = "pid\x1b]0;pwned\x07\nFORGED.pid";
// A process is called whatever its executable is: 15 bytes, all comm holds.
const std::string kProcessName = "\x1b]2;t\x07\nFORGED\xc2\x9b";
const std::string kProcessNameShown = "\\x1b]2;t\\x07\\nFORGED\\u009b";

// Where `text` holds something a terminal acts on or that starts a line of its own: a C0 control
// other than the newline ending a line, DEL, a C1 control, U+2028 or U+2029, or a byte that is not
// UTF-8 (0xff here).
std::optional<std::size_t> raw_control(const std::string& text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
    if ((c < 0x20 && c != '\n') || c == 0x7f || c == 0xff) return i;
    if (c == 0xc2 && next >= 0x80 && next <= 0x9f) return i;
    if (c == 0xe2 &&
        (text.compare(i, 3, "\xe2\x80\xa8") == 0 || text.compare(i, 3, "\xe2\x80\xa9") == 0))
      return i;
  }
  return std::nullopt;
}

// For assertion messages: the text around `at`, control bytes as numbers.
std::string around(const std::string& text, std::size_t at) {
  std::ostringstream out;
  for (std::size_t i = at > 40 ? at - 40 : 0; i < std::min(text.size(), at + 40); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c >= 0x7f)
      out << "<" << static_cast<int>(c) << ">";
    else
      out << text[i];
  }
  return out.str();
}

#define EXPECT_NO_RAW_CONTROL(text)                                                       \
  do {                                                                                    \
    const std::string checked_ = (text);                                                  \
    const auto at_ = raw_control(checked_);                                               \
    EXPECT_FALSE(at_.has_value()) << #text << ": raw byte at " << at_.value_or(0) << ": " \
                                  << around(checked_, at_.value_or(0));                   \
  } while (false)

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// sleep 300 under the executable name `name` (a symlink), so its comm is `name`.
class NamedSleep {
 public:
  NamedSleep(const TempDir& dir, const std::string& name) {
    const auto link = dir.path() / name;
    std::filesystem::create_symlink("/bin/sleep", link);
    std::string path = link.string();
    std::string seconds = "300";
    char* argv[] = {path.data(), seconds.data(), nullptr};
    if (posix_spawn(&pid_, path.c_str(), nullptr, nullptr, argv, environ) != 0) pid_ = -1;
  }
  ~NamedSleep() {
    if (pid_ <= 0 || reaped_) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  NamedSleep(const NamedSleep&) = delete;
  NamedSleep& operator=(const NamedSleep&) = delete;

  pid_t pid() const { return pid_; }
  std::string comm() const {
    std::string text = read_text("/proc/" + std::to_string(pid_) + "/comm");
    if (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
  }
  // Reaps it if it exits within `timeout`.
  bool exited(std::chrono::milliseconds timeout) {
    const auto until = Clock::now() + timeout;
    while (!reaped_ && Clock::now() < until) {
      reaped_ = waitpid(pid_, nullptr, WNOHANG) == pid_;
      if (!reaped_) std::this_thread::sleep_for(10ms);
    }
    return reaped_;
  }

 private:
  static std::string read_text(const std::string& file) {
    std::ifstream in(file);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }
  pid_t pid_ = -1;
  bool reaped_ = false;
};

// Milliseconds since the epoch of "2026-12-05T01:52:08.783Z".
long long epoch_ms(const std::string& text) {
  std::tm tm{};
  int ms = 0;
  if (std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) != 7)
    return -1;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<long long>(timegm(&tm)) * 1000 + ms;
}

class ClientHostileText : public ::testing::Test {
 protected:
  // `jobs show ID -o json` until `pred` holds (a test failure after 30 s).
  json show_until(const std::string& id, const std::function<bool(const json&)>& pred) {
    json job;
    const auto until = Clock::now() + 30s;
    while (Clock::now() < until) {
      const auto shown = daemon_.stopctl({"jobs", "show", id, "-o", "json"});
      if (shown.exit_code != 0) {
        ADD_FAILURE() << shown;
        return nullptr;
      }
      job = shown.json();
      if (pred(job)) return job;
      std::this_thread::sleep_for(50ms);
    }
    ADD_FAILURE() << "job " << id << " never got there: " << job;
    return nullptr;
  }

  TempDir dir_;
  TestDaemon daemon_{dir_};  // log_level info
};

TEST_F(ClientHostileText, LogAndHumanOutputEscapeWhatJsonGivesBackExactly) {
  NamedSleep sleep(dir_, kProcessName);
  ASSERT_GT(sleep.pid(), 0);
  ASSERT_EQ(sleep.comm(), kProcessName);
  const std::string pidfile = dir_.write(kPidfileName, std::to_string(sleep.pid()));
  // The last line of the start, then nothing until a request comes.
  for (const auto until = Clock::now() + 10s;
       !contains(daemon_.log(), " serving ") && Clock::now() < until;)
    std::this_thread::sleep_for(20ms);
  const std::size_t log_lines_before = lines_of(daemon_.log()).size();

  const auto waited = daemon_.stopctl(
      {"stop", "local.process", "pidfile=" + pidfile, "--request-id", kRequestId, "--wait"});
  ASSERT_EQ(waited.exit_code, 0) << waited;
  EXPECT_TRUE(sleep.exited(10s));
  EXPECT_NO_RAW_CONTROL(waited.out);
  EXPECT_NO_RAW_CONTROL(waited.err);
  EXPECT_EQ(lines_of(waited.out).size(), 1u) << waited;
  EXPECT_TRUE(contains(waited.out, "(" + kProcessNameShown + ")")) << waited;

  // -o json: the exact strings, in every view.
  const auto listed = daemon_.stopctl({"jobs", "list", "-o", "json"});
  ASSERT_EQ(listed.exit_code, 0) << listed;
  ASSERT_EQ(listed.json()["jobs"].size(), 1u) << listed;
  const json job = listed.json()["jobs"][0];
  const std::string id = job.value("id", "");
  EXPECT_EQ(job.value("request_id", ""), kRequestId);
  EXPECT_EQ(job["target"].value("pidfile", ""), pidfile);
  EXPECT_TRUE(contains(job.value("message", ""), "(" + kProcessName + ")")) << job;
  const auto shown_json = daemon_.stopctl({"jobs", "show", id, "-o", "json"});
  EXPECT_EQ(shown_json.json(), job);

  // Human: escaped, one line per line.
  const auto shown = daemon_.stopctl({"jobs", "show", id});
  ASSERT_EQ(shown.exit_code, 0) << shown;
  EXPECT_NO_RAW_CONTROL(shown.out);
  EXPECT_TRUE(contains(shown.out, "\n  request id: " + kRequestIdShown + "\n")) << shown;
  EXPECT_TRUE(contains(shown.out, "pid\\u001b]0;pwned\\u0007\\nFORGED.pid")) << shown;
  EXPECT_TRUE(contains(shown.out, "(" + kProcessNameShown + ")")) << shown;
  for (const auto& line : lines_of(shown.out))
    EXPECT_TRUE(line.starts_with("job ") || line.starts_with("  ")) << line;

  const auto table = daemon_.stopctl({"jobs", "list"});
  ASSERT_EQ(table.exit_code, 0) << table;
  EXPECT_NO_RAW_CONTROL(table.out);
  EXPECT_EQ(lines_of(table.out).size(), 2u) << table;  // the header and the job

  const auto watched = daemon_.stopctl({"jobs", "watch", id});
  EXPECT_EQ(watched.exit_code, 0) << watched;
  EXPECT_NO_RAW_CONTROL(watched.out);
  EXPECT_NO_RAW_CONTROL(watched.err);

  // The log: the stop added its two lines (accepted, finished), each one line, escaped.
  std::vector<std::string> lines;
  for (const auto until = Clock::now() + 10s; Clock::now() < until;) {
    lines = lines_of(daemon_.log());
    if (contains(daemon_.log(), "event=finished")) break;
    std::this_thread::sleep_for(20ms);
  }
  const std::string log = daemon_.log();
  EXPECT_NO_RAW_CONTROL(log);
  EXPECT_EQ(lines.size(), log_lines_before + 2) << log;
  const std::regex log_line(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:?\d\d \w+ .*)");
  int forged = 0;
  for (const auto& line : lines) {
    if (!contains(line, "FORGED")) continue;
    ++forged;
    EXPECT_TRUE(std::regex_match(line, log_line)) << line;
  }
  EXPECT_EQ(forged, 2) << log;
  // A request id is one JSON-quoted field; the sink escapes what JSON leaves raw (C1, U+2028).
  EXPECT_TRUE(contains(log,
                       " request_id=\"nightly\\n2026-01-01T00:00:00.000+00:00 error FORGED "
                       "line\\r\\u001b[2J\\u001b]0;pwned\\u0007\\u009b31m\\u2028end\" "))
      << log;
  // The finished line's message is JSON-quoted (a quote in it cannot fake a field).
  EXPECT_TRUE(contains(log, "(\\u001b]2;t\\u0007\\nFORGED\\u009b)")) << log;
}

// The host repairs a plugin's invalid UTF-8 where it enters (U+FFFD), so the name is shown
// repaired; its control characters are escaped.
TEST_F(ClientHostileText, ProcessNameThatIsNotUtf8IsShownRepairedWithLocal) {
  NamedSleep sleep(dir_, "bad\xff\xfe\x1b[2Jname");
  ASSERT_GT(sleep.pid(), 0);
  const auto result =
      run_stopctl({"--local", "stop", "local.process", pid_arg(sleep.pid()), "--grace", "5"});
  EXPECT_EQ(result.exit_code, 0) << result;
  EXPECT_TRUE(sleep.exited(10s));
  EXPECT_NO_RAW_CONTROL(result.out);
  EXPECT_NO_RAW_CONTROL(result.err);
  EXPECT_TRUE(contains(result.out, "(bad\xEF\xBF\xBD\xEF\xBF\xBD\\x1b[2Jname)")) << result;
}

TEST_F(ClientHostileText, EveryJsonViewOfAJobHasOneShape) {
  auto child = spawn_child({"--exit-on-term"});
  const auto waited =
      daemon_.stopctl({"stop", "local.process", pid_arg(child.pid()), "--wait", "-o", "json"});
  ASSERT_EQ(waited.exit_code, 0) << waited;
  const json finished = waited.json();
  // The outcome flat, as a local stop prints it (and the README documents).
  EXPECT_EQ(finished.value("code", ""), "stopped") << finished;
  EXPECT_EQ(finished.value("forced", true), false) << finished;
  EXPECT_TRUE(finished["details"].is_object()) << finished;
  EXPECT_TRUE(finished["duration_ms"].is_number_integer()) << finished;
  EXPECT_FALSE(finished.contains("outcome")) << finished;
  const std::string id = finished.value("id", "");
  ASSERT_TRUE(id.starts_with("j-")) << finished;

  const auto shown = daemon_.stopctl({"jobs", "show", id, "-o", "json"});
  EXPECT_EQ(shown.json(), finished);
  const auto listed = daemon_.stopctl({"jobs", "list", "-o", "json"});
  ASSERT_EQ(listed.json()["jobs"].size(), 1u) << listed;
  EXPECT_EQ(listed.json()["jobs"][0], finished);
  const auto watched = daemon_.stopctl({"jobs", "watch", id, "-o", "json"});
  EXPECT_EQ(watched.exit_code, 0) << watched;
  const auto events = lines_of(watched.out);
  ASSERT_FALSE(events.empty()) << watched;
  EXPECT_EQ(json::parse(events.back())["job"], finished) << watched;

  std::set<std::string> keys;
  for (const auto& [key, value] : finished.items()) keys.insert(key);
  const auto keys_of = [](const json& object) {
    std::set<std::string> found;
    for (const auto& [key, value] : object.items()) found.insert(key);
    return found;
  };

  // An unfinished job: the same keys, the outcome's null.
  auto stubborn = spawn_child({"--ignore-term"});
  const auto accepted = daemon_.stopctl(
      {"stop", "local.process", pid_arg(stubborn.pid()), "--grace", "60", "-o", "json"});
  ASSERT_EQ(accepted.exit_code, 0) << accepted;
  EXPECT_EQ(keys_of(accepted.json()), keys) << accepted;
  EXPECT_TRUE(accepted.json()["code"].is_null()) << accepted;
  daemon_.stopctl({"jobs", "cancel", accepted.json().value("id", "")});

  // A selector's results.
  const std::string name = "shape" + std::to_string(getpid() % 100000);
  NamedSleep selected(dir_, name);
  const auto by_selector = daemon_.stopctl(
      {"stop", "local.process", "--selector", "comm=" + name, "--wait", "-o", "json"});
  ASSERT_EQ(by_selector.exit_code, 0) << by_selector;
  ASSERT_EQ(by_selector.json()["results"].size(), 1u) << by_selector;
  EXPECT_EQ(keys_of(by_selector.json()["results"][0]), keys) << by_selector;
  EXPECT_EQ(by_selector.json()["results"][0].value("code", ""), "stopped") << by_selector;
  EXPECT_TRUE(selected.exited(10s));
}

TEST_F(ClientHostileText, SelectorMatchingNothingSaysSoOnStderrNamingTheKeys) {
  const std::string comm = "none" + std::to_string(getpid() % 100000);
  for (const bool local : {false, true}) {
    std::vector<std::string> args{"stop", "local.process", "--selector", "comm=" + comm};
    if (local) args.insert(args.begin(), "--local");
    const auto result = local ? run_stopctl(args) : daemon_.stopctl(args);
    EXPECT_EQ(result.exit_code, 0) << result;
    EXPECT_EQ(result.out, "") << result;
    EXPECT_TRUE(contains(result.err, "no local.process matched the selector comm=" + comm))
        << result;

    args.insert(args.end(), {"-o", "json"});
    const auto as_json = local ? run_stopctl(args) : daemon_.stopctl(args);
    EXPECT_EQ(as_json.exit_code, 0) << as_json;
    EXPECT_EQ(as_json.json().value("matched", -1), 0) << as_json;
    EXPECT_EQ(as_json.err, "") << as_json;
  }
}

TEST_F(ClientHostileText, RunningGracefulJobShowsWhenItIsForced) {
  auto stubborn = spawn_child({"--ignore-term"});
  const auto accepted = daemon_.stopctl(
      {"stop", "local.process", pid_arg(stubborn.pid()), "--grace", "60", "-o", "json"});
  ASSERT_EQ(accepted.exit_code, 0) << accepted;
  const std::string id = accepted.json().value("id", "");
  const json running = show_until(id, [](const json& job) {
    return job.value("state", "") == "running" && job["started"].is_string();
  });
  ASSERT_TRUE(running.is_object());
  ASSERT_TRUE(running["force_at"].is_string()) << running;
  // The grace counts from when the provider got the stop.
  EXPECT_EQ(epoch_ms(running["force_at"].get<std::string>()) -
                epoch_ms(running["started"].get<std::string>()),
            60'000)
      << running;

  const auto shown = daemon_.stopctl({"jobs", "show", id});
  EXPECT_TRUE(
      contains(shown.out, "\n  force at:   " + running["force_at"].get<std::string>() + " (in "))
      << shown;
  daemon_.stopctl({"jobs", "cancel", id});
}

}  // namespace
}  // namespace stopd::e2e
