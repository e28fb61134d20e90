// The Authenticator: who is calling (trusted socket, bearer tokens) and what they may stop.
#include "stopd/auth/auth.hpp"

#include <gtest/gtest.h>

#include "test_files.hpp"

namespace stopd::test {
namespace {

using core::AuthConfig;
using core::Authenticator;
using core::Principal;
using core::Transport;
using nlohmann::json;

// Tokens as an operator writes them, through the config parser.
AuthConfig auth_config(const std::string& unix_socket = "trusted") {
  const json document = {
      {"auth",
       {{"unix_socket", unix_socket},
        {"tokens",
         {{{"name", "ops"}, {"token", "ops-token"}, {"scopes", {{{"types", {"*"}}}}}},
          {{"name", "cdm-bot"},
           {"token", "cdm-token"},
           {"scopes",
            {{{"types", {"huaweicloud.cdm.*"}},
              {"target", {{"project_id", {"p-123", "p-456"}}, {"region", "eu-west-0"}}}},
             {{"types", {"local.process"}}, {"target", {{"pid", {42, 43}}}}}}}},
          {{"name", "reader"},
           {"sha256", core::sha256_hex("reader-token")},
           {"scopes", {{{"types", {"local.process", "cri.container"}}}}}}}}}}};
  return core::parse_daemon_config(document, "/").auth;
}

// The sdk::StopError `call` throws: "<code>: <message>", or "<no error>".
template <class Call>
std::string auth_error(Call&& call) {
  try {
    call();
  } catch (const sdk::StopError& e) {
    return std::string(sdk::to_string(e.code())) + ": " + e.what();
  }
  return "<no error>";
}

TEST(Authenticator, ATrustedSocketNeedsNoToken) {
  const Authenticator auth(auth_config("trusted"));
  for (const char* header : {"", "Bearer wrong", "garbage"}) {
    const Principal principal = auth.authenticate(Transport::unix_socket, header);
    EXPECT_EQ(principal.name, "unix");
    EXPECT_EQ(principal.token, nullptr);
    EXPECT_EQ(auth.check(principal, "anything.at.all", json::object()), std::nullopt);
    EXPECT_TRUE(auth.may_see(principal, "anything.at.all"));
  }
}

TEST(Authenticator, ATokenSocketNeedsAToken) {
  const Authenticator auth(auth_config("token"));
  EXPECT_EQ(auth_error([&] { auth.authenticate(Transport::unix_socket, ""); }),
            "unauthenticated: missing bearer token");
  EXPECT_EQ(auth_error([&] { auth.authenticate(Transport::unix_socket, "Bearer nope"); }),
            "unauthenticated: invalid token");
  const Principal principal = auth.authenticate(Transport::unix_socket, "Bearer cdm-token");
  EXPECT_EQ(principal.name, "cdm-bot");
  ASSERT_NE(principal.token, nullptr);
  EXPECT_EQ(principal.token->name, "cdm-bot");
}

TEST(Authenticator, TcpAlwaysNeedsAToken) {
  const Authenticator auth(auth_config("trusted"));
  EXPECT_EQ(auth_error([&] { auth.authenticate(Transport::tcp, ""); }),
            "unauthenticated: missing bearer token");
  EXPECT_EQ(auth_error([&] { auth.authenticate(Transport::tcp, "   "); }),
            "unauthenticated: missing bearer token");
  EXPECT_EQ(auth_error([&] { auth.authenticate(Transport::tcp, "Bearer"); }),
            "unauthenticated: missing bearer token: the authorization metadata must be \"Bearer "
            "<token>\"");
  EXPECT_EQ(auth_error([&] { auth.authenticate(Transport::tcp, "Bearer    "); }),
            "unauthenticated: missing bearer token: the authorization metadata must be \"Bearer "
            "<token>\"");
  // The token sent without its scheme, or with another scheme: not echoed.
  for (const char* header : {"ops-token", "Basic ops-token", "Bearerops-token"}) {
    const std::string message = auth_error([&] { auth.authenticate(Transport::tcp, header); });
    EXPECT_EQ(message,
              "unauthenticated: missing bearer token: the authorization metadata must be "
              "\"Bearer <token>\"")
        << header;
  }
  const std::string wrong = auth_error([&] { auth.authenticate(Transport::tcp, "Bearer s3cr3t"); });
  EXPECT_EQ(wrong, "unauthenticated: invalid token");
  // Almost right is still wrong.
  EXPECT_EQ(auth_error([&] { auth.authenticate(Transport::tcp, "Bearer ops-toke"); }),
            "unauthenticated: invalid token");
  EXPECT_EQ(auth_error([&] {
              auth.authenticate(Transport::tcp,
                                "Bearer ops-token "
                                "x");
            }),
            "unauthenticated: invalid token");

  EXPECT_EQ(auth.authenticate(Transport::tcp, "Bearer ops-token").name, "ops");
  EXPECT_EQ(auth.authenticate(Transport::tcp, "bearer ops-token").name, "ops");
  EXPECT_EQ(auth.authenticate(Transport::tcp, "BEARER ops-token").name, "ops");
  EXPECT_EQ(auth.authenticate(Transport::tcp, "  Bearer \t cdm-token  ").name, "cdm-bot");
  // The last configured token, given by its hash, is found too.
  EXPECT_EQ(auth.authenticate(Transport::tcp, "Bearer reader-token").name, "reader");
}

TEST(Authenticator, NoTokensMeansNobodyOverTcp) {
  const Authenticator auth(AuthConfig{});
  EXPECT_EQ(auth_error([&] { auth.authenticate(Transport::tcp, "Bearer anything"); }),
            "unauthenticated: invalid token");
  EXPECT_EQ(auth.authenticate(Transport::unix_socket, "").name, "unix");
}

TEST(Authenticator, ScopeTypePatterns) {
  const Authenticator auth(auth_config());
  const Principal ops = auth.authenticate(Transport::tcp, "Bearer ops-token");
  const Principal bot = auth.authenticate(Transport::tcp, "Bearer cdm-token");
  const Principal reader = auth.authenticate(Transport::tcp, "Bearer reader-token");
  const json target = {{"project_id", "p-123"}, {"region", "eu-west-0"}, {"pid", 42}};

  EXPECT_EQ(auth.check(ops, "huaweicloud.fgs.workflow_execution", target), std::nullopt);  // "*"
  EXPECT_EQ(auth.check(reader, "local.process", json::object()), std::nullopt);            // exact
  EXPECT_EQ(auth.check(reader, "cri.container", json::object()), std::nullopt);
  EXPECT_EQ(auth.check(bot, "huaweicloud.cdm.cluster", target), std::nullopt);  // prefix
  EXPECT_EQ(auth.check(reader, "local.processes", json::object()),
            "token 'reader' may not stop resources of type local.processes (its scopes allow "
            "local.process, cri.container)");
  EXPECT_EQ(auth.check(bot, "huaweicloud.cdm", target),  // a prefix needs something after it
            "token 'cdm-bot' may not stop resources of type huaweicloud.cdm (its scopes allow "
            "huaweicloud.cdm.*, local.process)");
  EXPECT_NE(auth.check(bot, "huaweicloud.cdmx.cluster", target), std::nullopt);
  EXPECT_NE(auth.check(bot, "huaweicloud.dlf.script_instance", target), std::nullopt);

  EXPECT_TRUE(auth.may_see(ops, "cri.pod_sandbox"));
  EXPECT_TRUE(auth.may_see(bot, "huaweicloud.cdm.cluster"));
  EXPECT_TRUE(auth.may_see(bot, "local.process"));
  EXPECT_FALSE(auth.may_see(bot, "huaweicloud.dlf.script_instance"));
  EXPECT_FALSE(auth.may_see(reader, "cri.pod_sandbox"));
}

TEST(Authenticator, TargetConstraints) {
  const Authenticator auth(auth_config());
  const Principal bot = auth.authenticate(Transport::tcp, "Bearer cdm-token");
  const std::string type = "huaweicloud.cdm.cluster";

  EXPECT_EQ(auth.check(bot, type, {{"project_id", "p-456"}, {"region", "eu-west-0"}, {"x", 1}}),
            std::nullopt);
  EXPECT_EQ(auth.check(bot, type, {{"project_id", "p-999"}, {"region", "eu-west-0"}}),
            "token 'cdm-bot' may not stop this huaweicloud.cdm.cluster: target.project_id is "
            "\"p-999\" (it must be \"p-123\" or \"p-456\")");
  EXPECT_EQ(auth.check(bot, type, {{"project_id", "p-123"}}),
            "token 'cdm-bot' may not stop this huaweicloud.cdm.cluster: target.region is missing "
            "(it must be \"eu-west-0\")");
  EXPECT_EQ(auth.check(bot, type, {{"project_id", "p-123"}, {"region", "eu-east-1"}}),
            "token 'cdm-bot' may not stop this huaweicloud.cdm.cluster: target.region is "
            "\"eu-east-1\" (it must be \"eu-west-0\")");
  // JSON equality: a string is not a number, a number matches by value.
  EXPECT_EQ(auth.check(bot, "local.process", {{"pid", 42}}), std::nullopt);
  EXPECT_EQ(auth.check(bot, "local.process", {{"pid", 43.0}}), std::nullopt);
  EXPECT_EQ(auth.check(bot, "local.process", {{"pid", 42u}}), std::nullopt);
  EXPECT_EQ(auth.check(bot, "local.process", {{"pid", "42"}}),
            "token 'cdm-bot' may not stop this local.process: target.pid is \"42\" (it must be 42 "
            "or 43)");
  EXPECT_EQ(auth.check(bot, "local.process", {{"pgid", 42}}),
            "token 'cdm-bot' may not stop this local.process: target.pid is missing (it must be 42 "
            "or 43)");
  EXPECT_NE(auth.check(bot, "local.process", json::array()), std::nullopt);  // not an object
}

TEST(Authenticator, AnyScopeMayAllow) {
  const json document = {
      {"auth",
       {{"tokens",
         {{{"name", "two-projects"},
           {"token", "two-projects-token"},
           {"scopes",
            {{{"types", {"huaweicloud.*"}}, {"target", {{"project_id", "a"}}}},
             {{"types", {"huaweicloud.cdm.cluster"}}, {"target", {{"project_id", "b"}}}}}}}}}}}};
  const Authenticator auth(core::parse_daemon_config(document, "/").auth);
  const Principal principal = auth.authenticate(Transport::tcp, "Bearer two-projects-token");
  EXPECT_EQ(auth.check(principal, "huaweicloud.cdm.cluster", {{"project_id", "a"}}), std::nullopt);
  EXPECT_EQ(auth.check(principal, "huaweicloud.cdm.cluster", {{"project_id", "b"}}), std::nullopt);
  EXPECT_EQ(auth.check(principal, "huaweicloud.fgs.workflow_execution", {{"project_id", "a"}}),
            std::nullopt);
  // The first scope that matched the type says why not.
  EXPECT_EQ(auth.check(principal, "huaweicloud.fgs.workflow_execution", {{"project_id", "b"}}),
            "token 'two-projects' may not stop this huaweicloud.fgs.workflow_execution: "
            "target.project_id is \"b\" (it must be \"a\")");
}

TEST(Authenticator, Sha256Hex) {
  EXPECT_EQ(core::sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(core::sha256_hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

}  // namespace
}  // namespace stopd::test
