// resolve_secret: inline, from the environment, from a file; errors name the key and the source,
// never the secret.
#include <gmock/gmock.h>

#include "stopd/daemon_config/daemon_config.hpp"
#include "test_files.hpp"

namespace stopd::test {
namespace {

namespace fs = std::filesystem;
using core::resolve_secret;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kKey = "config.auth.tokens[0].token";

TEST(Secret, Inline) {
  EXPECT_EQ(resolve_secret("abc", kKey, "/"), "abc");
}

TEST(Secret, FromTheEnvironment) {
  ScopedEnv set("STOPD_TEST_SECRET", "from-env\n");  // kept as is: only files are trimmed
  EXPECT_EQ(resolve_secret({{"env", set.name()}}, kKey, "/"), "from-env\n");

  ScopedEnv unset("STOPD_TEST_UNSET", std::nullopt);
  EXPECT_EQ(config_error([&] {
              resolve_secret({{"env", unset.name()}}, kKey, "/");
            }),
            kKey + ": the environment variable " + unset.name() + " is not set");
  ScopedEnv empty("STOPD_TEST_EMPTY", "");
  EXPECT_EQ(config_error([&] {
              resolve_secret({{"env", empty.name()}}, kKey, "/");
            }),
            kKey + ": the environment variable " + empty.name() + " is empty");
}

TEST(Secret, FromAFile) {
  TempDir dir;
  dir.write("plain", "from-file");
  dir.write("newline", "from-file\n");
  dir.write("crlf", "from-file\r\n\n");
  EXPECT_EQ(resolve_secret({{"file", "plain"}}, kKey, dir.path()), "from-file");  // relative
  EXPECT_EQ(resolve_secret({{"file", (dir / "newline").string()}}, kKey, "/"), "from-file");
  EXPECT_EQ(resolve_secret({{"file", "crlf"}}, kKey, dir.path()), "from-file");

  const std::string exactly_64k(64 * 1024, 'k');
  dir.write("64k", exactly_64k);
  EXPECT_EQ(resolve_secret({{"file", "64k"}}, kKey, dir.path()), exactly_64k);
}

TEST(Secret, FileErrorsNameTheFileNotTheContent) {
  TempDir dir;
  EXPECT_EQ(
      config_error([&] {
        resolve_secret({{"file", "absent"}}, kKey, dir.path());
      }),
      kKey + ": cannot read the file " + (dir / "absent").string() + ": No such file or directory");
  dir.write("big", std::string(64 * 1024, 'k') + "TAIL");
  EXPECT_EQ(config_error([&] {
              resolve_secret({{"file", "big"}}, kKey, dir.path());
            }),
            kKey + ": the file " + (dir / "big").string() + " is larger than 64 KiB");
  dir.write("empty", "\n");
  EXPECT_EQ(config_error([&] {
              resolve_secret({{"file", "empty"}}, kKey, dir.path());
            }),
            kKey + ": the file " + (dir / "empty").string() + " is empty");
  fs::create_directories(dir / "sub");
  EXPECT_EQ(config_error([&] {
              resolve_secret({{"file", "sub"}}, kKey, dir.path());
            }),
            kKey + ": the file " + (dir / "sub").string() + " is not a regular file");

  // Unreadable (root reads everything, so only where the test does not run as root).
  if (::geteuid() != 0) {
    const auto locked = dir.write("locked", "locked-content");
    fs::permissions(locked, fs::perms::none);
    EXPECT_EQ(config_error([&] {
                resolve_secret({{"file", "locked"}}, kKey, dir.path());
              }),
              kKey + ": cannot read the file " + locked.string() + ": Permission denied");
  }
}

TEST(Secret, WrongShapes) {
  EXPECT_EQ(config_error([&] { resolve_secret("", kKey, "/"); }), kKey + ": the secret is empty");
  EXPECT_EQ(
      config_error([&] { resolve_secret(12345, kKey, "/"); }),
      kKey + ": expected a string, {\"env\": \"NAME\"} or {\"file\": \"/path\"}, got a number");
  EXPECT_EQ(config_error([&] { resolve_secret(json::object(), kKey, "/"); }),
            kKey +
                ": expected a string, {\"env\": \"NAME\"} or {\"file\": \"/path\"}, got an empty "
                "object");
  EXPECT_EQ(config_error([&] {
              resolve_secret({{"vault", "x"}}, kKey, "/");
            }),
            kKey +
                ": expected a string, {\"env\": \"NAME\"} or {\"file\": \"/path\"}, got an object "
                "with vault");
  EXPECT_EQ(config_error([&] {
              resolve_secret({{"env", "A"}, {"file", "b"}}, kKey, "/");
            }),
            kKey + ": expected one of env or file, got both");
  EXPECT_EQ(config_error([&] {
              resolve_secret({{"env", "A"}, {"x", 1}}, kKey, "/");
            }),
            kKey + ": unknown key 'x' (expected env or file)");
  EXPECT_EQ(config_error([&] {
              resolve_secret({{"env", 5}}, kKey, "/");
            }),
            kKey + ".env: expected the name of an environment variable");
  EXPECT_EQ(config_error([&] {
              resolve_secret({{"file", ""}}, kKey, "/");
            }),
            kKey + ".file: expected the path of a file");
}

// Through the whole config: a token from a missing variable or file fails naming the key and the
// variable or file, and never what some other token is.
TEST(Secret, ConfigErrorsNameTheKeyAndTheSource) {
  TempDir dir;
  ScopedEnv other("STOPD_TEST_OTHER", "the-other-secret");
  ScopedEnv unset("STOPD_TEST_UNSET", std::nullopt);
  const json scopes = {{{"types", {"*"}}}};
  const auto message = config_error([&] {
    core::parse_daemon_config(
        {{"auth",
          {{"tokens",
            {{{"name", "a"}, {"token", "inline-secret"}, {"scopes", scopes}},
             {{"name", "b"}, {"token", {{"env", other.name()}}}, {"scopes", scopes}},
             {{"name", "c"}, {"token", {{"env", unset.name()}}}, {"scopes", scopes}}}}}}},
        dir.path());
  });
  EXPECT_EQ(message, "config.auth.tokens[2].token: the environment variable " + unset.name() +
                         " is not set");
  EXPECT_THAT(message, Not(HasSubstr("inline-secret")));
  EXPECT_THAT(message, Not(HasSubstr("the-other-secret")));

  EXPECT_EQ(
      config_error([&] {
        core::parse_daemon_config(
            {{"auth",
              {{"tokens",
                {{{"name", "a"}, {"token", {{"file", "nope.token"}}}, {"scopes", scopes}}}}}}},
            dir.path());
      }),
      "config.auth.tokens[0].token: cannot read the file " + (dir / "nope.token").string() +
          ": No such file or directory");
}

}  // namespace
}  // namespace stopd::test
