// Starting and stopping stopd: the command line, invalid configs, the socket (a missing
// directory, a stale file from a crash, a live daemon on it, its mode), a clean SIGTERM.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <regex>

#include "daemon_harness.hpp"
#include "stopd/test/version_check.hpp"

namespace stopd::e2e {
namespace {

// Leaves a socket file behind the way a crashed daemon does: bound, then closed.
void leave_stale_socket(const fs::path& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ::close(fd);
  ASSERT_TRUE(fs::is_socket(path));
}

unsigned mode_of(const fs::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return 0;
  return info.st_mode & 07777;
}

TEST(DaemonStartup, VersionHelpAndUsage) {
  const auto version = run_stopd({"--version"});
  EXPECT_EQ(version.exit_code, 0) << version.output;
  EXPECT_EQ(test::version_problem(version.output, "stopd"), "") << version.output;

  const auto help = run_stopd({"--help"});
  EXPECT_EQ(help.exit_code, 0) << help.output;
  for (const char* option : {"--config", "--state-dir", "--log-level", "--check-config",
                             "--hash-token", "--print-default-config", "--version"})
    EXPECT_TRUE(contains(help.output, option)) << option << "\n" << help.output;

  const auto nothing = run_stopd({});
  EXPECT_EQ(nothing.exit_code, 2) << nothing.output;
  EXPECT_TRUE(contains(nothing.output, "--config")) << nothing.output;

  const auto unknown = run_stopd({"--no-such-option"});
  EXPECT_EQ(unknown.exit_code, 2) << unknown.output;
}

TEST(DaemonStartup, HashTokenPrintsTheSha256OfStdin) {
  const auto result = run_stopd({"--hash-token"}, "abc\n");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n");
  const auto empty = run_stopd({"--hash-token"}, "");
  EXPECT_EQ(empty.exit_code, 2) << empty.output;
}

TEST(DaemonStartup, CheckConfigAcceptsAValidConfigAndNamesTheWrongKey) {
  TestDaemon daemon;
  write_file(daemon.config_file(), daemon.config().dump());
  const auto valid = run_stopd({"--config", daemon.config_file().string(), "--check-config"});
  EXPECT_EQ(valid.exit_code, 0) << valid.output;
  EXPECT_TRUE(contains(valid.output, "valid")) << valid.output;
  EXPECT_FALSE(fs::exists(daemon.socket())) << "--check-config must not start anything";

  daemon.config()["journal"]["retention_hourz"] = 5;
  write_file(daemon.config_file(), daemon.config().dump());
  const auto invalid = run_stopd({"--config", daemon.config_file().string(), "--check-config"});
  EXPECT_EQ(invalid.exit_code, 3) << invalid.output;
  EXPECT_TRUE(contains(invalid.output, "retention_hourz")) << invalid.output;
}

TEST(DaemonStartup, InvalidConfigKeyRefusesToStartAndNamesTheKey) {
  TestDaemon daemon(json{{"listen", {{"unix_sockett", "/tmp/x.sock"}}}});
  StopdProcess& process = daemon.spawn();
  const auto code = process.wait_exit(kStartTimeout);
  ASSERT_TRUE(code.has_value()) << "stopd kept running with an invalid config";
  EXPECT_EQ(*code, 3) << daemon.log();
  EXPECT_TRUE(contains(daemon.log(), "unix_sockett")) << daemon.log();
}

// A schedule that could never run stops the daemon at start (exit 3, naming it), not at 19:00.
TEST(DaemonStartup, ABadScheduleRefusesToStartNamingTheScheduleAndTheField) {
  const json plan = {
      {"steps", {{{"name", "s"}, {"type", "local.process"}, {"target", {{"pid", 999999}}}}}}};
  const struct {
    json schedule;
    std::string says;
  } cases[] = {
      {{{"name", "nightly"}, {"cron", "0 25 * * *"}, {"plan", plan}},
       "config.schedules.nightly.cron: hour field '25': 25 is out of range 0-23"},
      {{{"name", "nightly"}, {"cron", "@daily"}, {"tz", "Europe/Nowhere"}, {"plan", plan}},
       "config.schedules.nightly.tz: unknown time zone 'Europe/Nowhere'"},
      {{{"name", "nightly"}, {"cron", "@daily"}, {"plan", {{"steps", 3}}}},
       "config.schedules.nightly.plan: "},
      {{{"name", "nightly"}, {"cron", "@daily"}, {"plan", "no-such-plan.yaml"}},
       "config.schedules.nightly.plan: "},
  };
  for (const auto& c : cases) {
    TestDaemon daemon(json{{"schedules", json::array({c.schedule})}});
    StopdProcess& process = daemon.spawn();
    const auto code = process.wait_exit(kStartTimeout);
    ASSERT_TRUE(code.has_value()) << "stopd kept running with " << c.schedule.dump();
    EXPECT_EQ(*code, 3) << daemon.log();
    EXPECT_TRUE(contains(daemon.log(), c.says)) << c.says << "\n" << daemon.log();
  }
}

TEST(DaemonStartup, AValidScheduleIsLoadedAndItsNextRunIsAMetric) {
  json schedule = {
      {"name", "weekday-evenings"}, {"cron", "0 19 * * mon-fri"}, {"tz", "Europe/Berlin"}};
  schedule["plan"]["steps"] =
      json::array({{{"name", "s"}, {"type", "local.process"}, {"target", {{"pid", 999999}}}}});
  TestDaemon daemon(
      json{{"schedules", json::array({schedule})}, {"metrics", {{"listen", "127.0.0.1:0"}}}});
  daemon.start();
  EXPECT_TRUE(contains(daemon.log(), "schedules: 1 loaded")) << daemon.log();
  const std::string metrics = scrape(daemon.metrics_port());
  EXPECT_TRUE(contains(
      metrics, R"(stopd_schedule_runs_total{result="started",schedule="weekday-evenings"} 0)"))
      << metrics;
  EXPECT_TRUE(std::regex_search(
      metrics,
      std::regex(
          R"(stopd_schedule_next_run_timestamp_seconds\{schedule="weekday-evenings"\} [0-9.e+]+)")))
      << metrics;
}

TEST(DaemonStartup, InvalidLogLevelIsAUsageError) {
  TestDaemon daemon;
  StopdProcess& process = daemon.spawn({"--log-level", "loud"});
  const auto code = process.wait_exit(kStartTimeout);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 2) << daemon.log();
  EXPECT_TRUE(contains(daemon.log(), "loud")) << daemon.log();
}

TEST(DaemonStartup, SocketInAMissingDirectoryIsAClearError) {
  TestDaemon daemon;
  const fs::path missing = daemon.dir() / "no-such-dir";
  daemon.config()["listen"]["unix_socket"] = (missing / "stopd.sock").string();
  StopdProcess& process = daemon.spawn();
  const auto code = process.wait_exit(kStartTimeout);
  ASSERT_TRUE(code.has_value()) << "stopd kept running";
  EXPECT_EQ(*code, 3) << daemon.log();
  EXPECT_TRUE(contains(daemon.log(), "unix_socket")) << daemon.log();
  EXPECT_TRUE(contains(daemon.log(), missing.string())) << daemon.log();
  EXPECT_FALSE(fs::exists(missing)) << "stopd created the directory";
}

TEST(DaemonStartup, AFileThatIsNotASocketIsNeverReplaced) {
  TestDaemon daemon;
  write_file(daemon.socket(), "precious");
  StopdProcess& process = daemon.spawn();
  const auto code = process.wait_exit(kStartTimeout);
  ASSERT_TRUE(code.has_value());
  EXPECT_NE(*code, 0) << daemon.log();
  EXPECT_TRUE(contains(daemon.log(), "not a socket")) << daemon.log();
  EXPECT_EQ(read_file(daemon.socket()), "precious");
}

TEST(DaemonStartup, AStaleSocketFromACrashIsReplaced) {
  TestDaemon daemon;
  leave_stale_socket(daemon.socket());
  daemon.start();
  EXPECT_TRUE(contains(daemon.log(), "stale")) << daemon.log();
  EXPECT_EQ(health_of(daemon.channel()), Health::serving);
}

TEST(DaemonStartup, ASecondDaemonOnALiveSocketIsRefused) {
  TestDaemon first;
  first.start();
  // Same socket, its own journal: the socket is what must stop it.
  TestDaemon second(json{{"listen", {{"unix_socket", first.socket().string()}}}});
  StopdProcess& process = second.spawn();
  const auto code = process.wait_exit(kStartTimeout);
  ASSERT_TRUE(code.has_value()) << "the second daemon kept running";
  EXPECT_EQ(*code, 1) << second.log();
  EXPECT_TRUE(contains(second.log(), first.socket().string())) << second.log();
  EXPECT_TRUE(contains(second.log(), "another process")) << second.log();
  // The first one still serves on its socket.
  EXPECT_TRUE(fs::is_socket(first.socket()));
  EXPECT_EQ(health_of(unix_channel(first.socket())), Health::serving);
}

TEST(DaemonStartup, ASecondDaemonOnTheSameJournalIsRefused) {
  TestDaemon first;
  first.start();
  TestDaemon second(json{{"journal", {{"file", first.journal().string()}}}});
  StopdProcess& process = second.spawn();
  const auto code = process.wait_exit(kStartTimeout);
  ASSERT_TRUE(code.has_value()) << "the second daemon kept running";
  EXPECT_EQ(*code, 1) << second.log();
  EXPECT_TRUE(contains(second.log(), "journal")) << second.log();
  EXPECT_FALSE(fs::exists(second.socket())) << "it bound its socket before refusing";
}

TEST(DaemonStartup, TheSocketGetsTheConfiguredMode) {
  TestDaemon defaults;
  defaults.start();
  EXPECT_EQ(mode_of(defaults.socket()), 0660u);

  TestDaemon owner_only(json{{"listen", {{"socket_mode", "0600"}}}});
  owner_only.start();
  EXPECT_EQ(mode_of(owner_only.socket()), 0600u);
}

TEST(DaemonStartup, SigtermWithNothingInFlightExitsZeroAndRemovesTheSocket) {
  TestDaemon daemon;
  daemon.start();
  const auto code = daemon.terminate(kStartTimeout);
  ASSERT_TRUE(code.has_value()) << "stopd did not exit after SIGTERM";
  EXPECT_EQ(*code, 0) << daemon.log();
  EXPECT_FALSE(fs::exists(daemon.socket()));
  EXPECT_TRUE(contains(daemon.log(), "SIGTERM")) << daemon.log();
}

TEST(DaemonStartup, StateDirRunsTheBuiltInLocalConfig) {
  TempDir dir;
  const fs::path state = dir / "state";
  const auto printed = run_stopd({"--print-default-config"});
  ASSERT_EQ(printed.exit_code, 0) << printed.output;
  json parsed;
  EXPECT_NO_THROW(parsed = json::parse(printed.output)) << printed.output;

  StopdProcess process = StopdProcess::spawn({"--state-dir", state.string()}, dir / "log");
  const fs::path socket = state / "stopd.sock";
  const auto until = std::chrono::steady_clock::now() + kStartTimeout;
  while (health_of(unix_channel(socket), "", 1000ms) != Health::serving) {
    ASSERT_TRUE(process.running()) << read_file(dir / "log");
    ASSERT_LT(std::chrono::steady_clock::now(), until) << read_file(dir / "log");
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(fs::exists(state / "journal.db"));
  EXPECT_EQ(mode_of(state) & 0777, 0700u);
  process.send(SIGINT);
  const auto code = process.wait_exit(kStartTimeout);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << read_file(dir / "log");
}

}  // namespace
}  // namespace stopd::e2e
