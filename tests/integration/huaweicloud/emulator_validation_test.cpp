// The emulator itself, with raw requests the plugins never send: its validation answers, its
// AK/SK checks (stale and forged signatures), X-Request-Id on every answer, and the redaction of
// credentials in its request log.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "emulator_environment.hpp"
#include "stopd/huaweicloud/aksk_signer.hpp"
#include "stopd/huaweicloud/url_path.hpp"
#include "stopd/test/version_check.hpp"

namespace stopd::hwtest {
namespace {

using namespace std::chrono_literals;
namespace aksk = huaweicloud::aksk;

std::string cluster_action_url(const std::string& cluster = kIdleCluster) {
  return emulator().url() + "/v1.1/" + kProject + "/clusters/" + cluster + "/action";
}

const std::vector<std::pair<std::string, std::string>> kTokenHeader = {{"X-Auth-Token", kToken}};

class EmulatorValidationTest : public EmulatorTest {};

TEST_F(EmulatorValidationTest, TheDocumentationsOwnGracefullIsRefusedWithAMessage) {
  const auto answer = http_request("POST", cluster_action_url(), kTokenHeader,
                                   R"({"stop":{"stopMode":"GRACEFULL","delayTime":-1}})");
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(answer.json()["errCode"], "Cdm.0100");
  EXPECT_EQ(answer.json()["externalMessage"],
            "Invalid stopMode 'GRACEFULL': expected IMMEDIATELY or GRACEFULLY.");
  EXPECT_EQ(answer.header("x-request-id").size(), 32u);
}

TEST_F(EmulatorValidationTest, MalformedJsonIs400ForCdmAndFunctionGraph) {
  EXPECT_EQ(http_request("POST", cluster_action_url(), kTokenHeader, "{\"stop\":").status, 400);
  const std::string fgs_url = emulator().url() + "/v1.0/" + kProject + "/cloud_graphs/" +
                              huaweicloud::encode_path_segment(kGraph) + "/executions/action";
  const auto answer = http_request("POST", fgs_url, kTokenHeader, "not json");
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(answer.json()["error_code"], "FSS.0400");
}

TEST_F(EmulatorValidationTest, ActionTypeOtherThanStopIs400) {
  const std::string fgs_url = emulator().url() + "/v1.0/" + kProject + "/cloud_graphs/" +
                              huaweicloud::encode_path_segment(kGraph) + "/executions/action";
  const auto answer =
      http_request("POST", fgs_url, kTokenHeader,
                   nlohmann::json{{"action_type", "start"},
                                  {"executions", {{"execution_urn", execution_urn(0)}}}}
                       .dump());
  EXPECT_EQ(answer.status, 400);
  EXPECT_NE(answer.json()["error_msg"].get<std::string>().find("'start'"), std::string::npos);
}

TEST_F(EmulatorValidationTest, UnknownApiIsTheGateways404) {
  const auto answer = http_request("GET", emulator().url() + "/v2/whatever", kTokenHeader);
  EXPECT_EQ(answer.status, 404);
  EXPECT_EQ(answer.json()["error_code"], "APIGW.0101");
}

aksk::HeaderList signed_headers(std::chrono::system_clock::time_point when, const std::string& path,
                                const std::string& secret_key) {
  const std::string host = emulator().url().substr(std::string("http://").size());
  aksk::HeaderList headers = {{"Host", host}, {"X-Sdk-Date", aksk::format_sdk_date(when)}};
  aksk::SigningInput input{"GET", path, {}, headers, ""};
  headers.emplace_back("Authorization", aksk::authorization(kAccessKey, secret_key, input));
  return headers;
}

TEST_F(EmulatorValidationTest, FreshSignatureIsAcceptedStaleAndForgedOnesAre401) {
  const std::string path = std::string("/v1.1/") + kProject + "/clusters/" + kIdleCluster;
  const auto now = std::chrono::system_clock::now();
  auto fresh = signed_headers(now, path, kSecretKey);
  fresh.erase(fresh.begin());  // curl sends the same Host itself
  EXPECT_EQ(http_request("GET", emulator().url() + path, fresh).status, 200);

  auto stale = signed_headers(now - 20min, path, kSecretKey);
  stale.erase(stale.begin());
  const auto stale_answer = http_request("GET", emulator().url() + path, stale);
  EXPECT_EQ(stale_answer.status, 401);
  EXPECT_NE(stale_answer.json()["error_msg"].get<std::string>().find("15 minutes"),
            std::string::npos);

  auto forged = signed_headers(now, path, "not-the-secret-key");
  forged.erase(forged.begin());
  const auto forged_answer = http_request("GET", emulator().url() + path, forged);
  EXPECT_EQ(forged_answer.status, 401);
  EXPECT_EQ(forged_answer.json()["error_code"], "APIGW.0301");

  // Signed for one path, sent to another: the signature covers the path.
  auto moved = signed_headers(now, path, kSecretKey);
  moved.erase(moved.begin());
  EXPECT_EQ(http_request("GET", emulator().url() + path + "x", moved).status, 401);
}

TEST_F(EmulatorValidationTest, TheSignatureCheckDecodesThePathBeforeSplittingItAsTheGatewayDoes) {
  // A cluster id with '/' goes as one segment ("a%2Fb"). The gateway's canonical URI decodes the
  // path first, so the '/' separates there: a signer that kept "%2F" must be refused.
  const std::string path = std::string("/v1.1/") + kProject + "/clusters/a%2Fb";
  const auto now = std::chrono::system_clock::now();
  auto official = signed_headers(now, path, kSecretKey);
  official.erase(official.begin());
  EXPECT_EQ(http_request("GET", emulator().url() + path, official).status, 404)
      << "signed as the official SDK signs: verified, and no such cluster";

  const std::string host = emulator().url().substr(std::string("http://").size());
  const aksk::HeaderList headers = {{"Host", host}, {"X-Sdk-Date", aksk::format_sdk_date(now)}};
  const std::string kept_escape = "GET\n" + path + "/\n\n" + aksk::canonical_headers(headers) +
                                  "\n" + aksk::signed_header_names(headers) + "\n" +
                                  aksk::sha256_hex("");
  const std::string wrong =
      aksk::signature(kSecretKey, aksk::string_to_sign(aksk::format_sdk_date(now), kept_escape));
  const aksk::HeaderList sent = {
      {"X-Sdk-Date", aksk::format_sdk_date(now)},
      {"Authorization", "SDK-HMAC-SHA256 Access=" + std::string(kAccessKey) +
                            ", SignedHeaders=host;x-sdk-date, Signature=" + wrong}};
  EXPECT_EQ(http_request("GET", emulator().url() + path, sent).status, 401)
      << "a canonical URI that keeps %2F is not the gateway's";
}

TEST_F(EmulatorValidationTest, RequestLogRedactsEveryCredential) {
  http_request("GET", emulator().url() + "/v1.1/" + kProject + "/clusters/" + kIdleCluster,
               {{"X-Auth-Token", kToken}, {"X-Security-Token", "sts-SECRET-1"}});
  const std::string path = std::string("/v1.1/") + kProject + "/clusters/" + kIdleCluster;
  auto signed_request = signed_headers(std::chrono::system_clock::now(), path, kSecretKey);
  signed_request.erase(signed_request.begin());
  http_request("GET", emulator().url() + path, signed_request);
  const std::string log = emulator().requests().dump();
  EXPECT_EQ(log.find("SECRET"), std::string::npos) << log;
  EXPECT_EQ(log.find(kAccessKey), std::string::npos) << log;
  EXPECT_NE(log.find("[redacted]"), std::string::npos);
}

TEST_F(EmulatorValidationTest, ControlEndpointRejectsUnknownFaultSettings) {
  const auto answer =
      http_request("PUT", emulator().url() + "/_emulator/faults", {}, R"({"fail_sttaus":503})");
  EXPECT_EQ(answer.status, 400);
  EXPECT_NE(answer.body.find("fail_sttaus"), std::string::npos);
}

// The conformance fixtures' world shortens CDM's delayTime seconds; a graceful stop still waits
// them out in full, and the default world keeps real seconds (CdmClusterTest).
TEST(EmulatorWorld, CdmDelaySecondMsShortensADelayTimeSecond) {
  auto world = test_world();
  world["cdm"]["delay_second_ms"] = 20;
  const auto file = std::filesystem::temp_directory_path() /
                    ("stopd-hwcloud-delay-" + std::to_string(::getpid()) + ".json");
  std::ofstream(file) << world.dump();
  const EmulatorProcess fast(file);
  std::filesystem::remove(file);
  const auto status = [&fast] {
    const auto state = fast.state();
    for (const auto& cluster : state["clusters"])
      if (cluster["cluster_id"] == kIdleCluster) return cluster["status"].get<int>();
    return 0;
  };
  const auto answer = http_request(
      "POST", fast.url() + "/v1.1/" + kProject + "/clusters/" + kIdleCluster + "/action",
      kTokenHeader, R"({"stop": {"stopMode": "GRACEFULLY", "delayTime": 50}})");
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(status(), 910);  // 50 "seconds" of 20 ms: 1 s, still stopping
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(status(), 900);
}

TEST(EmulatorCommandLine, VersionSaysWhichBuildItIs) {
  const std::string output = test::version_output(STOPD_HWCLOUD_EMULATOR_PATH);
  EXPECT_EQ(test::version_problem(output, "stopd-hwcloud-emulator"), "") << output;
}

}  // namespace
}  // namespace stopd::hwtest
