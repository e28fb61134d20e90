// Each kind of mistake in the daemon's sections: a ConfigError naming the key and why.
#include <gmock/gmock.h>

#include "stopd/daemon_config/daemon_config.hpp"
#include "test_files.hpp"

namespace stopd::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

class DaemonConfigErrors : public ::testing::Test {
 protected:
  std::string error_of(const json& document) {
    return config_error([&] { core::parse_daemon_config(document, dir.path()); });
  }
  // A valid token entry, with `changes` merged in.
  static json token(const std::string& name, json changes = json::object()) {
    json entry = {{"name", name}, {"token", name + "-secret"}, {"scopes", {{{"types", {"*"}}}}}};
    entry.merge_patch(changes);
    return entry;
  }
  static json tokens(std::initializer_list<json> entries) {
    return {{"auth", {{"tokens", json(entries)}}}};
  }

  TempDir dir;
};

TEST_F(DaemonConfigErrors, SchemaMistakesNameTheKey) {
  EXPECT_EQ(error_of({{"listen", {{"unix_sock", "x"}}}}),
            "config.listen: unknown key 'unix_sock' (expected insecure, max_threads, socket_mode, "
            "tcp, tls or unix_socket)");
  EXPECT_EQ(error_of({{"listen", {{"max_threads", 2}}}}),
            "config.listen.max_threads: expected a number >= 8, got 2");
  EXPECT_EQ(error_of({{"listen", {{"max_threads", 1.5}}}}),
            "config.listen.max_threads: expected integer, got number 1.5");
  EXPECT_EQ(error_of({{"listen", {{"socket_mode", "0999"}}}}),
            "config.listen.socket_mode: expected an octal mode such as \"0660\" (or the mode as an "
            "integer), got \"0999\"");
  EXPECT_EQ(error_of({{"listen", {{"socket_mode", true}}}}),
            "config.listen.socket_mode: expected string or integer, got boolean true");
  EXPECT_EQ(error_of({{"listen", {{"tcp", "7443"}}}}),
            "config.listen.tcp: expected HOST:PORT such as \"0.0.0.0:7443\" or \"[::]:7443\", got "
            "\"7443\"");
  EXPECT_EQ(error_of({{"listen", {{"tls", {{"cert", "a.crt"}}}}}}),
            "config.listen.tls: missing required key 'key'");
  EXPECT_EQ(error_of({{"auth", {{"unix_socket", "open"}}}}),
            "config.auth.unix_socket: expected one of \"trusted\" or \"token\", got \"open\"");
  EXPECT_EQ(error_of(tokens({token("a", {{"sha256", std::string(64, 'a')}})})),
            "config.auth.tokens[0]: expected exactly one of sha256 or token, got sha256 and token");
  EXPECT_EQ(error_of(tokens({{{"name", "a"}, {"scopes", {{{"types", {"*"}}}}}}})),
            "config.auth.tokens[0]: expected exactly one of sha256 or token");
  EXPECT_EQ(error_of(tokens({token("a", {{"scopes", json::array()}})})),
            "config.auth.tokens[0].scopes: expected at least 1 items, got 0");
  EXPECT_EQ(error_of(tokens({token("a", {{"scopes", {{{"types", json::array()}}}}})})),
            "config.auth.tokens[0].scopes[0].types: expected at least 1 items, got 0");
  EXPECT_EQ(error_of(tokens({token("a", {{"scopes", {{{"type", {"*"}}}}}})})),
            "config.auth.tokens[0].scopes[0]: unknown key 'type' (expected target or types)");
  EXPECT_EQ(error_of(tokens({token("a b")})),
            "config.auth.tokens[0].name: expected a name of at most 64 letters, digits and . _ - @ "
            ": (starting with a letter or digit), got \"a b\"");
  EXPECT_EQ(error_of(tokens({token("a", {{"token", {{"env", "1BAD"}}}})})),
            "config.auth.tokens[0].token.env: expected an environment variable name, got \"1BAD\"");
  EXPECT_EQ(error_of(tokens({token("a", {{"token", {{"vault", "x"}}}})})),
            "config.auth.tokens[0].token: unknown key 'vault' (expected env or file)");
  EXPECT_EQ(error_of({{"journal", {{"retention_hours", 0.5}}}}),
            "config.journal.retention_hours: expected a number >= 1, got 0.5");
  EXPECT_EQ(error_of({{"journal", {{"sync", "sometimes"}}}}),
            "config.journal.sync: expected one of \"full\" or \"normal\", got \"sometimes\"");
  EXPECT_EQ(error_of({{"metrics", {{"listen", "metrics.example.com:9464"}}}}),
            "config.metrics.listen: expected HOST:PORT with an IPv4 address or localhost, such as "
            "\"127.0.0.1:9464\", got \"metrics.example.com:9464\"");
  EXPECT_EQ(error_of({{"drain_timeout_seconds", -1}}),
            "config.drain_timeout_seconds: expected a number >= 0, got -1");
  EXPECT_EQ(error_of({{"drain_timeout_seconds", "30s"}}),
            "config.drain_timeout_seconds: expected number, got string \"30s\"");
  EXPECT_EQ(error_of({{"quarantine_after_crashes", 0}}),
            "config.quarantine_after_crashes: expected a number >= 1, got 0");
}

TEST_F(DaemonConfigErrors, TcpWithoutTlsIsRefusedUnlessInsecure) {
  const json tls = {{"cert", dir.write_pem("s.crt").string()},
                    {"key", dir.write_pem("s.key").string()}};
  auto with = [&](json listen) {
    return json{{"listen", std::move(listen)}, {"auth", {{"tokens", {token("ops")}}}}};
  };
  EXPECT_EQ(error_of(with({{"tcp", "0.0.0.0:7443"}})),
            "config.listen.tcp: TCP without TLS would send bearer tokens in the clear; add "
            "listen.tls (cert and key), or set listen.insecure to true to allow it anyway");
  EXPECT_EQ(error_of(with({{"tcp", "0.0.0.0:7443"}, {"insecure", false}})),
            error_of(with({{"tcp", "0.0.0.0:7443"}})));
  EXPECT_EQ(error_of(with({{"tcp", "0.0.0.0:7443"}, {"insecure", true}})), "<valid>");
  EXPECT_EQ(error_of(with({{"tcp", "0.0.0.0:7443"}, {"tls", tls}})), "<valid>");
  EXPECT_EQ(error_of(with({{"tcp", "0.0.0.0:7443"}, {"tls", tls}, {"insecure", true}})),
            "config.listen.insecure: true contradicts listen.tls; remove one of them");
  EXPECT_EQ(error_of(with({{"tls", tls}})),
            "config.listen.tls: is set but listen.tcp is not (TLS is only used on TCP); add "
            "listen.tcp or remove listen.tls");
  EXPECT_EQ(error_of(with({{"insecure", true}})),
            "config.listen.insecure: is set but listen.tcp is not; remove it");
  EXPECT_EQ(error_of(with({{"tcp", "0.0.0.0:70000"}, {"insecure", true}})),
            "config.listen.tcp: port 70000 is out of range (0 to 65535)");
  // TCP always needs a token; with none configured nobody could use it.
  EXPECT_EQ(error_of({{"listen", {{"tcp", "0.0.0.0:7443"}, {"insecure", true}}}}),
            "config.auth.tokens: listen.tcp is set but no token is configured: every call over "
            "TCP would be refused");
}

TEST_F(DaemonConfigErrors, TlsFilesMustBeReadablePem) {
  auto with_tls = [&](json tls) {
    return json{{"listen", {{"tcp", "127.0.0.1:7443"}, {"tls", std::move(tls)}}},
                {"auth", {{"tokens", {token("ops")}}}}};
  };
  dir.write_pem("s.crt");
  dir.write("not-pem.key", "just some text\n");
  fs::create_directories(dir / "a-directory");
  EXPECT_EQ(error_of(with_tls({{"cert", "absent.crt"}, {"key", "not-pem.key"}})),
            "config.listen.tls.cert: cannot read " + (dir / "absent.crt").string() +
                ": No such file or directory");
  EXPECT_EQ(error_of(with_tls({{"cert", "s.crt"}, {"key", "not-pem.key"}})),
            "config.listen.tls.key: " + (dir / "not-pem.key").string() +
                " is not a PEM file (it has no \"-----BEGIN\" line)");
  EXPECT_EQ(error_of(with_tls({{"cert", "s.crt"}, {"key", "a-directory"}})),
            "config.listen.tls.key: " + (dir / "a-directory").string() + " is not a regular file");
  EXPECT_EQ(error_of(with_tls({{"cert", "s.crt"}, {"key", "s.crt"}, {"client_ca", "ca.crt"}})),
            "config.listen.tls.client_ca: cannot read " + (dir / "ca.crt").string() +
                ": No such file or directory");
  EXPECT_EQ(
      error_of(with_tls({{"cert", "s.crt"}, {"key", "s.crt"}, {"require_client_cert", true}})),
      "config.listen.tls.require_client_cert: needs listen.tls.client_ca, the CA file that "
      "client certificates are verified against");
  // The content of a key file never appears, even when it is not PEM.
  dir.write("secret.key", "my-private-key-material");
  EXPECT_THAT(error_of(with_tls({{"cert", "s.crt"}, {"key", "secret.key"}})),
              Not(HasSubstr("my-private-key-material")));
}

TEST_F(DaemonConfigErrors, SocketModeAndSocketPath) {
  EXPECT_EQ(error_of({{"listen", {{"socket_mode", 660}}}}),
            "config.listen.socket_mode: 660 is not a file mode (as an integer a mode is at most "
            "511, which is 0777); write octal modes as a string, such as \"0660\"");
  EXPECT_EQ(error_of({{"listen", {{"socket_mode", -1}}}}),
            "config.listen.socket_mode: -1 is not a file mode (as an integer a mode is at most "
            "511, which is 0777); write octal modes as a string, such as \"0660\"");
  EXPECT_EQ(error_of({{"listen", {{"socket_mode", "0666"}}}}),
            "config.listen.socket_mode: 0666 lets every local user write to the socket, and "
            "auth.unix_socket is \"trusted\": anyone on the host could stop anything; use \"0660\" "
            "(and the socket's group), or set auth.unix_socket to \"token\"");
  // With tokens required on the socket, a world-writable socket is fine.
  json token_socket = tokens({token("ops")});
  token_socket["auth"]["unix_socket"] = "token";
  token_socket["listen"] = {{"socket_mode", "0666"}};
  EXPECT_EQ(error_of(token_socket), "<valid>");
  EXPECT_EQ(error_of({{"auth", {{"unix_socket", "token"}}}}),
            "config.auth.unix_socket: \"token\" needs at least one token in auth.tokens: every "
            "call would be refused");

  EXPECT_EQ(error_of({{"listen", {{"unix_socket", "/nonexistent-dir/stopd.sock"}}}}),
            "config.listen.unix_socket: the directory /nonexistent-dir does not exist");
  dir.write("file", "x");
  EXPECT_EQ(error_of({{"listen", {{"unix_socket", "file/stopd.sock"}}}}),
            "config.listen.unix_socket: " + (dir / "file").string() + " is not a directory");
  EXPECT_EQ(error_of({{"listen", {{"unix_socket", "file"}}}}),
            "config.listen.unix_socket: " + (dir / "file").string() +
                " exists and is not a socket (the daemon replaces only a stale socket of its "
                "own)");
  const std::string long_path = "/tmp/" + std::string(120, 's') + ".sock";
  EXPECT_EQ(error_of({{"listen", {{"unix_socket", long_path}}}}),
            "config.listen.unix_socket: " + long_path +
                " is 130 bytes long; a unix socket path "
                "can have at most 107");
}

TEST_F(DaemonConfigErrors, Tokens) {
  EXPECT_EQ(error_of(tokens({token("ops"), token("ci"), token("ops", {{"token", "other"}})})),
            "config.auth.tokens[2].name: 'ops' is already the name of tokens[0]; token names must "
            "be unique");
  EXPECT_EQ(error_of(tokens({token("unix")})),
            "config.auth.tokens[0].name: 'unix' is reserved: it names the clients of a trusted "
            "unix socket");
  EXPECT_EQ(error_of(tokens({token("a", {{"token", "same"}}), token("b", {{"token", "same"}})})),
            "config.auth.tokens[1]: the same token as tokens[0] ('a'); every token must be "
            "different");
  // The same token once inline and once by its hash is still the same token.
  EXPECT_EQ(
      error_of(tokens({token("a", {{"token", "abc"}}),
                       token("b", {{"token", nullptr},
                                   {"sha256",
                                    "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB4"
                                    "10FF61F20015AD"}})})),
      "config.auth.tokens[1]: the same token as tokens[0] ('a'); every token must be different");
  EXPECT_EQ(error_of(tokens({token("a", {{"token", nullptr}, {"sha256", "abc123"}})})),
            "config.auth.tokens[0].sha256: expected 64 hexadecimal digits (the SHA-256 of the "
            "token, as `stopd --hash-token` prints it), got 6 characters");
  EXPECT_EQ(
      error_of(tokens({token("a", {{"token", nullptr}, {"sha256", std::string(63, 'a') + "g"}})})),
      "config.auth.tokens[0].sha256: expected 64 hexadecimal digits (the SHA-256 of the "
      "token, as `stopd --hash-token` prints it), got a character that is not a hex digit");
  EXPECT_EQ(error_of(tokens({token("a", {{"scopes", {{{"types", {"huaweicloud*"}}}}}})})),
            "config.auth.tokens[0].scopes[0].types[0]: expected a resource type, \"*\" or a prefix "
            "ending in \".*\" (such as \"huaweicloud.*\"), got \"huaweicloud*\"");
  for (const char* bad : {"*.cdm", ".*", "a.*.b", "a b", "a.**"})
    EXPECT_THAT(error_of(tokens({token("a", {{"scopes", {{{"types", {"ok", bad}}}}}})})),
                StartsWith("config.auth.tokens[0].scopes[0].types[1]: expected a resource type"))
        << bad;
  EXPECT_EQ(
      error_of(tokens({token(
          "a", {{"scopes", {{{"types", {"*"}}, {"target", {{"project_id", json::array()}}}}}}})})),
      "config.auth.tokens[0].scopes[0].target.project_id: expected at least 1 items, got 0");
  EXPECT_EQ(error_of(tokens({token(
                "a", {{"scopes", {{{"types", {"*"}}, {"target", {{"project_id", nullptr}}}}}}})})),
            "config.auth.tokens[0].scopes[0].target.project_id: expected array, string, "
            "number or boolean, got null null");
}

// A token's plaintext never appears in an error, whatever is wrong around it.
TEST_F(DaemonConfigErrors, NeverQuoteATokenOrSomethingThatMightBeOne) {
  const std::string secret = "s3cret-4a6f9d2e";
  const std::vector<json> documents = {
      // The plaintext pasted into sha256.
      tokens({token("a", {{"token", nullptr}, {"sha256", secret}})}),
      // A token of the wrong type (a number) or shape.
      tokens({token("a", {{"token", 314159265358979}})}),
      tokens({token("a", {{"token", {secret}}})}),
      tokens({token("a", {{"token", true}})}),
      // The tokens list written as an object, an unknown key beside a token, a misplaced token.
      {{"auth", {{"tokens", {{"name", "a"}, {"token", secret}}}}}},
      tokens({token("a", {{"token", secret}, {"scope", 1}})}),
      {{"auth", {{"token", secret}}}},
      {{"auth", {{"unix_socket", "token"}, {"tokens", {{{"token", secret}}}}}}},
      {{"auth", json::array({{{"token", secret}}})}},
      // Two tokens with the same plaintext.
      tokens({token("a", {{"token", secret}}), token("b", {{"token", secret}})}),
  };
  for (const auto& document : documents) {
    const std::string message = error_of(document);
    EXPECT_THAT(message, AllOf(StartsWith("config"), Not(HasSubstr(secret)),
                               Not(HasSubstr("314159265358979"))))
        << document.dump();
  }
  EXPECT_EQ(error_of(tokens({token("a", {{"token", 314159265358979}})})),
            "config.auth.tokens[0].token: expected a string, {\"env\": \"NAME\"} or "
            "{\"file\": \"/path\"}, got a number");
  EXPECT_EQ(error_of(tokens({token("a", {{"token", nullptr}, {"sha256", 1234}})})),
            "config.auth.tokens[0].sha256: expected a string of 64 hexadecimal digits, got a "
            "number");
  EXPECT_EQ(
      error_of({{"auth", {{"tokens", {{"name", "a"}, {"token", secret}}}}}}),
      "config.auth.tokens: expected array, got object {\"name\":\"a\",\"token\":\"<redacted>\"}");

  // Nor does a JSON syntax error near it.
  const auto file = dir.write(
      "stopd.json", "{\"auth\": {\"tokens\": [{\"name\": \"a\", \"token\": " + secret + "}]}}");
  const std::string message = config_error([&] { core::load_daemon_config(file); });
  EXPECT_THAT(message, AllOf(StartsWith(file.string() + ": not valid JSON (line 1, column "),
                             Not(HasSubstr(secret)), Not(HasSubstr("s3cret"))));
}

TEST_F(DaemonConfigErrors, JournalAndMetrics) {
  EXPECT_EQ(error_of({{"journal", {{"file", "/nonexistent-dir/journal.db"}}}}),
            "config.journal.file: the directory /nonexistent-dir does not exist");
  fs::create_directories(dir / "db");
  EXPECT_EQ(error_of({{"journal", {{"file", "db"}}}}),
            "config.journal.file: " + (dir / "db").string() + " exists and is not a regular file");
  EXPECT_EQ(error_of({{"journal", {{"file", "db/journal.db"}}}}), "<valid>");
  EXPECT_THAT(error_of({{"metrics", {{"listen", "[::1]:9464"}}}}),
              StartsWith("config.metrics.listen: expected HOST:PORT with an IPv4 address"));
  EXPECT_EQ(error_of({{"metrics", {{"listen", "127.0.0.1:99999"}}}}),
            "config.metrics.listen: port 99999 is out of range (0 to 65535)");
}

}  // namespace
}  // namespace stopd::test
