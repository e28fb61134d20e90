// Every key of the daemon's config sections, their defaults, the example config, and that a
// token's plaintext goes no further than the hash.
#include "stopd/daemon_config/daemon_config.hpp"

#include <sys/socket.h>
#include <sys/un.h>

#include "stopd/auth/auth.hpp"
#include "test_files.hpp"

namespace stopd::test {
namespace {

namespace fs = std::filesystem;
using core::AuthConfig;
using core::DaemonConfig;
using nlohmann::json;

TEST(DaemonConfig, ParsesEveryKey) {
  TempDir dir;
  dir.write_pem("tls/server.crt");
  dir.write_pem("tls/server.key");
  dir.write_pem("tls/ca.crt");
  fs::create_directories(dir / "state");
  ScopedEnv bot("STOPD_TEST_BOT_TOKEN", "bot-token-from-the-environment");
  dir.write("ci.token", "ci-token-from-a-file\n");

  const json document = {
      {"log_level", "debug"},
      {"plugin_dirs", {"plugins"}},
      {"listen",
       {{"unix_socket", "stopd.sock"},
        {"socket_mode", "0640"},
        {"max_threads", 64},
        {"tcp", "0.0.0.0:7443"},
        {"tls",
         {{"cert", "tls/server.crt"},
          {"key", (dir / "tls/server.key").string()},
          {"client_ca", "tls/ca.crt"},
          {"require_client_cert", true}}}}},
      {"auth",
       {{"unix_socket", "token"},
        {"tokens",
         {{{"name", "ops"}, {"sha256", std::string(64, 'A')}, {"scopes", {{{"types", {"*"}}}}}},
          {{"name", "bot"},
           {"token", {{"env", bot.name()}}},
           {"scopes",
            {{{"types", {"huaweicloud.cdm.*", "local.process"}},
              {"target", {{"project_id", {"p-1", "p-2"}}, {"region", "eu-west-0"}}}},
             {{"types", {"local.process"}}, {"target", {{"pid", {1, 2.0}}}}}}}},
          {{"name", "ci"}, {"token", {{"file", "ci.token"}}}, {"scopes", {{{"types", {"*"}}}}}},
          {{"name", "inline"},
           {"token", "an-inline-token"},
           {"scopes", {{{"types", {"local.process"}}}}}}}}}},
      {"journal",
       {{"file", "state/journal.db"},
        {"sync", "normal"},
        {"retention_hours", 1.5},
        {"prune_interval_minutes", 5}}},
      {"metrics", {{"listen", "127.0.0.1:9464"}}},
      {"drain_timeout_seconds", 2.5},
      {"quarantine_after_crashes", 5}};

  const DaemonConfig config = core::parse_daemon_config(document, dir.path());
  EXPECT_EQ(config.host.log_level, "debug");
  EXPECT_EQ(config.host.plugin_dirs->at(0), dir / "plugins");

  EXPECT_EQ(config.listen.unix_socket, dir / "stopd.sock");
  EXPECT_EQ(config.listen.socket_mode, 0640u);
  EXPECT_EQ(config.listen.max_threads, 64);
  EXPECT_EQ(config.listen.tcp, "0.0.0.0:7443");
  EXPECT_FALSE(config.listen.insecure);
  ASSERT_TRUE(config.listen.tls.has_value());
  EXPECT_EQ(config.listen.tls->cert_file, dir / "tls/server.crt");
  EXPECT_EQ(config.listen.tls->key_file, dir / "tls/server.key");
  EXPECT_EQ(config.listen.tls->client_ca_file, dir / "tls/ca.crt");
  EXPECT_TRUE(config.listen.tls->require_client_cert);

  EXPECT_EQ(config.auth.unix_socket, AuthConfig::UnixSocket::token);
  ASSERT_EQ(config.auth.tokens.size(), 4u);
  const auto& ops = config.auth.tokens[0];
  EXPECT_EQ(ops.name, "ops");
  for (auto byte : ops.sha256) EXPECT_EQ(byte, 0xaa);
  ASSERT_EQ(ops.scopes.size(), 1u);
  EXPECT_EQ(ops.scopes[0].types, std::vector<std::string>{"*"});
  EXPECT_TRUE(ops.scopes[0].target.empty());

  const auto& bot_token = config.auth.tokens[1];
  EXPECT_EQ(bot_token.name, "bot");
  ASSERT_EQ(bot_token.scopes.size(), 2u);
  EXPECT_EQ(bot_token.scopes[0].types,
            (std::vector<std::string>{"huaweicloud.cdm.*", "local.process"}));
  EXPECT_EQ(bot_token.scopes[0].target.at("project_id"), (std::vector<json>{"p-1", "p-2"}));
  EXPECT_EQ(bot_token.scopes[0].target.at("region"), std::vector<json>{"eu-west-0"});  // one value
  EXPECT_EQ(bot_token.scopes[1].target.at("pid"), (std::vector<json>{1, 2.0}));

  // Tokens from the environment, a file (trailing newline trimmed) and inline, all hashed.
  core::Authenticator auth(config.auth);
  EXPECT_EQ(auth.authenticate(core::Transport::tcp, "Bearer bot-token-from-the-environment").name,
            "bot");
  EXPECT_EQ(auth.authenticate(core::Transport::tcp, "Bearer ci-token-from-a-file").name, "ci");
  EXPECT_EQ(auth.authenticate(core::Transport::tcp, "Bearer an-inline-token").name, "inline");

  EXPECT_EQ(config.journal.file, dir / "state/journal.db");
  EXPECT_FALSE(config.journal.sync_full);
  EXPECT_EQ(config.journal.retention, std::chrono::seconds(5400));
  EXPECT_EQ(config.journal.prune_interval, std::chrono::seconds(300));
  EXPECT_EQ(config.metrics.listen, "127.0.0.1:9464");
  EXPECT_EQ(config.drain_timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(config.quarantine_after, 5u);
}

TEST(DaemonConfig, EmptyConfigMeansDefaults) {
  const DaemonConfig config = core::parse_daemon_config(json::object(), "/etc/stopd");
  EXPECT_EQ(config.listen.unix_socket, fs::path("/run/stopd/stopd.sock"));
  EXPECT_EQ(config.listen.socket_mode, 0660u);
  EXPECT_EQ(config.listen.max_threads, 1024);
  EXPECT_FALSE(config.listen.tcp.has_value());
  EXPECT_FALSE(config.listen.tls.has_value());
  EXPECT_EQ(config.auth.unix_socket, AuthConfig::UnixSocket::trusted);
  EXPECT_TRUE(config.auth.tokens.empty());
  EXPECT_EQ(config.journal.file, fs::path("/var/lib/stopd/journal.db"));
  EXPECT_TRUE(config.journal.sync_full);
  EXPECT_EQ(config.journal.retention, std::chrono::hours(168));
  EXPECT_EQ(config.journal.prune_interval, std::chrono::hours(1));
  EXPECT_FALSE(config.metrics.listen.has_value());
  EXPECT_EQ(config.drain_timeout, std::chrono::seconds(30));
  EXPECT_EQ(config.quarantine_after, 2u);
  EXPECT_EQ(config.host.log_level, "warn");
}

TEST(DaemonConfig, SmallerForms) {
  TempDir dir;
  // A mode as an integer (0660 is 432), TCP explicitly without TLS, metrics on localhost.
  const DaemonConfig config = core::parse_daemon_config(
      {{"listen", {{"socket_mode", 432}, {"tcp", "[::1]:0"}, {"insecure", true}}},
       {"auth", {{"tokens", {{{"name", "t"}, {"token", "x"}, {"scopes", {{{"types", {"*"}}}}}}}}}},
       {"metrics", {{"listen", "localhost:0"}}},
       {"drain_timeout_seconds", 0}},
      dir.path());
  EXPECT_EQ(config.listen.socket_mode, 0660u);
  EXPECT_EQ(config.listen.tcp, "[::1]:0");
  EXPECT_TRUE(config.listen.insecure);
  EXPECT_FALSE(config.listen.tls.has_value());
  EXPECT_EQ(config.metrics.listen, "localhost:0");
  EXPECT_EQ(config.drain_timeout, std::chrono::milliseconds(0));
  // "0660" and "660" are the same mode; a stale socket of a crashed run is fine.
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string socket_path = (dir / "stale.sock").string();
  socket_path.copy(address.sun_path, sizeof(address.sun_path) - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ::close(fd);
  const DaemonConfig stale = core::parse_daemon_config(
      {{"listen", {{"socket_mode", "660"}, {"unix_socket", socket_path}}}}, dir.path());
  EXPECT_EQ(stale.listen.socket_mode, 0660u);
  EXPECT_EQ(stale.listen.unix_socket, fs::path(socket_path));
}

TEST(DaemonConfig, TheHostConfigIgnoresTheDaemonSections) {
  TempDir dir;
  const json document = {
      {"log_level", "info"},
      {"listen", {{"tcp", "0.0.0.0:7443"}}},  // the daemon would refuse this (no TLS)
      {"journal", {{"retention_hours", 24}}},
      {"metrics", {{"listen", "127.0.0.1:9464"}}},
      {"drain_timeout_seconds", 5}};
  EXPECT_EQ(core::parse_host_config(document, dir.path()).log_level, "info");
  // …but the schema is the same file's: a typo in a daemon section is an error for both.
  EXPECT_EQ(config_error([&] {
              core::parse_host_config({{"metrics", {{"listen_on", "x"}}}}, dir.path());
            }),
            "config.metrics: unknown key 'listen_on' (expected listen)");
  EXPECT_EQ(core::host_config_schema()["properties"]["auth"]["type"], "object");
}

TEST(DaemonConfig, LoadNamesTheFileAndResolvesAgainstItsDirectory) {
  TempDir dir;
  fs::create_directories(dir / "state");
  const auto file = dir.write("stopd.json", R"({"journal": {"file": "state/j.db"}})");
  EXPECT_EQ(core::load_daemon_config(file).journal.file, dir / "state/j.db");
  EXPECT_EQ(core::load_daemon_config(file).source, file.string());  // names it in messages

  dir.write("stopd.json", R"({"listen": {"tcp": "0.0.0.0:7443"}})");
  EXPECT_EQ(config_error([&] { core::load_daemon_config(file); }),
            file.string() +
                ": config.listen.tcp: TCP without TLS would send bearer tokens in the clear; add "
                "listen.tls (cert and key), or set listen.insecure to true to allow it anyway");
  EXPECT_EQ(config_error([&] { core::load_daemon_config(dir / "absent.json"); }),
            (dir / "absent.json").string() + ": cannot read it: No such file or directory");
}

// A schedule's jitter and history limits (issue 20): given, defaulted, and bounded by the schema.
TEST(DaemonConfig, ScheduleJitterAndHistory) {
  const json plan = {{"steps", json::array()}};
  const DaemonConfig config =
      core::parse_daemon_config({{"schedules",
                                  {{{"name", "a"},
                                    {"cron", "@daily"},
                                    {"plan", plan},
                                    {"jitter_seconds", 600},
                                    {"history", {{"succeeded", 10}, {"failed", 0}}}},
                                   {{"name", "b"}, {"cron", "@daily"}, {"plan", plan}}}}},
                                "/etc/stopd");
  ASSERT_EQ(config.schedules.size(), 2u);
  EXPECT_EQ(config.schedules[0].jitter, std::chrono::seconds(600));
  EXPECT_EQ(config.schedules[0].history_succeeded, 10u);
  EXPECT_EQ(config.schedules[0].history_failed, 0u);
  EXPECT_EQ(config.schedules[1].jitter, std::chrono::seconds(0));
  EXPECT_EQ(config.schedules[1].history_succeeded, 3u);
  EXPECT_EQ(config.schedules[1].history_failed, 1u);
  const auto refused = [&](const json& schedule) {
    return config_error([&] { core::parse_daemon_config({{"schedules", {schedule}}}, "/etc"); });
  };
  const json base = {{"name", "a"}, {"cron", "@daily"}, {"plan", plan}};
  json negative = base;
  negative["jitter_seconds"] = -1;
  EXPECT_NE(refused(negative).find("jitter_seconds"), std::string::npos) << refused(negative);
  json too_many = base;
  too_many["history"] = {{"failed", 101}};
  EXPECT_NE(refused(too_many).find("history.failed"), std::string::npos) << refused(too_many);
  json unknown = base;
  unknown["history"] = {{"kept", 1}};
  EXPECT_NE(refused(unknown).find("unknown key 'kept'"), std::string::npos) << refused(unknown);
}

// An example of examples/config as the daemon reads it, once the directories it names exist
// (the config refuses a socket or journal in a missing directory: they move into `dir`) and the
// variable its token comes from, `token_env`, is set.
DaemonConfig parse_example(const fs::path& example, const TempDir& dir, const char* token_env) {
  json document = core::read_config_document(example);
  document["listen"]["unix_socket"] = (dir / "stopd.sock").string();
  document["journal"]["file"] = (dir / "journal.db").string();
  const char* previous = std::getenv(token_env);
  ::setenv(token_env, "example-token", 1);
  DaemonConfig config = core::parse_daemon_config(document, example.parent_path());
  if (previous == nullptr) ::unsetenv(token_env);
  return config;
}

// The example in examples/config is complete and valid.
TEST(DaemonConfig, TheExampleConfigIsValid) {
  const fs::path example = fs::path(STOPD_SOURCE_DIR) / "examples/config/stopd-daemon.json";
  const json document = core::read_config_document(example);
  EXPECT_EQ(document["listen"]["unix_socket"], "/run/stopd/stopd.sock");
  EXPECT_EQ(document["journal"]["file"], "/var/lib/stopd/journal.db");
  EXPECT_EQ(document["auth"]["tokens"][1]["token"]["env"], "STOPD_CDM_BOT_TOKEN");

  TempDir dir;
  const DaemonConfig config = parse_example(example, dir, "STOPD_CDM_BOT_TOKEN");

  EXPECT_EQ(config.host.log_level, "info");
  EXPECT_FALSE(config.host.plugin_dirs.has_value()) << "it would replace the bundled directory";
  EXPECT_EQ(config.listen.socket_mode, 0660u);
  EXPECT_EQ(config.auth.unix_socket, AuthConfig::UnixSocket::trusted);
  ASSERT_EQ(config.auth.tokens.size(), 2u);
  EXPECT_EQ(config.auth.tokens[0].name, "ops");
  EXPECT_EQ(config.auth.tokens[1].name, "cdm-bot");
  EXPECT_EQ(config.journal.retention, std::chrono::hours(168));
  EXPECT_EQ(config.metrics.listen, "127.0.0.1:9464");
  EXPECT_EQ(config.drain_timeout, std::chrono::seconds(30));
  // And stopctl --local reads the same file.
  EXPECT_EQ(core::load_host_config(example).providers.at("local.process").max_concurrency, 10000u);
}

// The off-hours example (README: Scheduled stops) is a valid config, and its schedule carries the
// example plan, read from the file next to it. The plan itself runs as written in
// tests/integration/cri/batch_test.cpp.
TEST(DaemonConfig, TheOffHoursExampleIsValidAndCarriesItsPlan) {
  TempDir dir;
  const DaemonConfig config = parse_example(
      fs::path(STOPD_SOURCE_DIR) / "examples/config/off-hours.json", dir, "HWCLOUD_TOKEN");

  ASSERT_EQ(config.schedules.size(), 1u);
  const core::ScheduleConfig& schedule = config.schedules[0];
  EXPECT_EQ(schedule.name, "off-hours");
  EXPECT_EQ(schedule.cron, "0 19 * * 1-5");
  EXPECT_EQ(schedule.tz, "Europe/Berlin");
  EXPECT_EQ(schedule.jitter, std::chrono::seconds(120));
  EXPECT_EQ(schedule.history_succeeded, 5u);
  EXPECT_NE(schedule.plan_source.find("off-hours.yaml"), std::string::npos) << schedule.plan_source;
  EXPECT_NE(schedule.plan.find("stopd.io/off-hours"), std::string::npos);
}

// Everything a DaemonConfig holds as text, to search for a secret.
std::string everything_in(const DaemonConfig& config) {
  std::string text = config.listen.unix_socket.string() + config.listen.tcp.value_or("") +
                     config.journal.file.string() + config.metrics.listen.value_or("") +
                     config.host.log_level;
  for (const auto& [name, provider] : config.host.providers)
    text += name + provider.settings.dump();
  for (const auto& token : config.auth.tokens) {
    text += token.name;
    text.append(reinterpret_cast<const char*>(token.sha256.data()), token.sha256.size());
    for (const auto& scope : token.scopes) {
      for (const auto& type : scope.types) text += type;
      for (const auto& [key, values] : scope.target) text += key + json(values).dump();
    }
  }
  return text;
}

TEST(DaemonConfig, KeepsOnlyTheHashOfAToken) {
  TempDir dir;
  const std::string inline_token = "plaintext-inline-7f3a";
  const std::string env_token = "plaintext-env-91bc";
  const std::string file_token = "plaintext-file-c0de";
  ScopedEnv env("STOPD_TEST_SECRET", env_token);
  dir.write("t.secret", file_token + "\r\n");
  const json scopes = {{{"types", {"*"}}}};
  const DaemonConfig config = core::parse_daemon_config(
      {{"auth",
        {{"tokens",
          {{{"name", "a"}, {"token", inline_token}, {"scopes", scopes}},
           {{"name", "b"}, {"token", {{"env", env.name()}}}, {"scopes", scopes}},
           {{"name", "c"}, {"token", {{"file", "t.secret"}}}, {"scopes", scopes}}}}}}},
      dir.path());
  const std::string text = everything_in(config);
  for (const auto& plaintext : {inline_token, env_token, file_token}) {
    EXPECT_EQ(text.find(plaintext), std::string::npos) << plaintext;
  }
  std::size_t i = 0;
  for (const auto& plaintext : {inline_token, env_token, file_token}) {
    std::string hex;
    for (auto byte : config.auth.tokens[i].sha256) {
      constexpr char kDigits[] = "0123456789abcdef";
      hex += kDigits[byte >> 4];
      hex += kDigits[byte & 15];
    }
    EXPECT_EQ(hex, core::sha256_hex(plaintext)) << config.auth.tokens[i].name;
    ++i;
  }
}

}  // namespace
}  // namespace stopd::test
