// The shared client's pieces without a server: the AK/SK signer against a vector computed by
// hand (Python's hashlib/hmac from the documented algorithm), path encoding, error bodies,
// Retry-After, backoff, the rate limiter, settings and secrets.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "stopd/huaweicloud/aksk_signer.hpp"
#include "stopd/huaweicloud/client_settings.hpp"
#include "stopd/huaweicloud/outcome_mapping.hpp"
#include "stopd/huaweicloud/retry_policy.hpp"
#include "stopd/huaweicloud/secret.hpp"
#include "stopd/huaweicloud/service_error.hpp"
#include "stopd/huaweicloud/token_bucket.hpp"
#include "stopd/huaweicloud/url_path.hpp"

namespace stopd::huaweicloud {
namespace {

using namespace std::chrono_literals;

// Computed independently:
//   canonical = "POST\n/v1/0a1b/scripts/a%20b/instances/i-1/stop/\n\n"
//               "content-type:application/json\nhost:dlf.example.com\nx-sdk-date:20240102T030405Z\n"
//               "\ncontent-type;host;x-sdk-date\n" + sha256('{"x":1}')
//   hmac_sha256("SKEXAMPLE", "SDK-HMAC-SHA256\n20240102T030405Z\n" + sha256(canonical))
aksk::SigningInput vector_input() {
  return aksk::SigningInput{"POST",
                            "/v1/0a1b/scripts/a%20b/instances/i-1/stop",
                            {},
                            {{"Host", "dlf.example.com"},
                             {"X-Sdk-Date", "20240102T030405Z"},
                             {"Content-Type", "application/json"}},
                            R"({"x":1})"};
}

TEST(AkSkSigner, CanonicalRequestMatchesTheHandComputedOne) {
  EXPECT_EQ(aksk::canonical_request(vector_input()),
            "POST\n/v1/0a1b/scripts/a%20b/instances/i-1/stop/\n\n"
            "content-type:application/json\nhost:dlf.example.com\nx-sdk-date:20240102T030405Z\n\n"
            "content-type;host;x-sdk-date\n"
            "5041bf1f713df204784353e82f6a4a535931cb64f1f4b4a5aeaffcb720918b22");
}

TEST(AkSkSigner, SignatureMatchesTheHandComputedVector) {
  const auto input = vector_input();
  const auto to_sign = aksk::string_to_sign("20240102T030405Z", aksk::canonical_request(input));
  EXPECT_EQ(to_sign,
            "SDK-HMAC-SHA256\n20240102T030405Z\n"
            "b534b459d460de7c1fd15c7cd004ee6e78c308b40befacde2989bbf7b69332c6");
  EXPECT_EQ(aksk::signature("SKEXAMPLE", to_sign),
            "8ba8e2ea1ee9f76e60b35b5c7e5edb8cf3d6a9c01751e18cc25bdde218886ade");
  EXPECT_EQ(aksk::authorization("AKEXAMPLE", "SKEXAMPLE", input),
            "SDK-HMAC-SHA256 Access=AKEXAMPLE, SignedHeaders=content-type;host;x-sdk-date, "
            "Signature=8ba8e2ea1ee9f76e60b35b5c7e5edb8cf3d6a9c01751e18cc25bdde218886ade");
}

TEST(AkSkSigner, EmptyBodyGetMatchesItsVectorToo) {
  const aksk::SigningInput input{"GET",
                                 "/v1.1/p/clusters/c",
                                 {},
                                 {{"X-Sdk-Date", "20240102T030405Z"}, {"Host", "127.0.0.1:8780"}},
                                 ""};
  EXPECT_EQ(aksk::signature("SKEXAMPLE", aksk::string_to_sign("20240102T030405Z",
                                                              aksk::canonical_request(input))),
            "39809a46d05c033c3a4b97fe374c951dbacfa329bd4775ee244e16625188ff5c");
}

// The vectors below are printed by aksk_vectors.py, which follows the official SDK signer
// (huaweicloudsdkcore/signer/signer.py) with Python's own quote/unquote.
TEST(AkSkSigner, CanonicalUriDecodesThePathBeforeSplittingItAsTheOfficialSignerDoes) {
  EXPECT_EQ(aksk::canonical_uri("/v1/p/scripts/a%2Fb/instances/i-1/stop"),
            "/v1/p/scripts/a/b/instances/i-1/stop/");
  EXPECT_EQ(aksk::canonical_uri("/v1/p/scripts/100%25/instances/i-1"),
            "/v1/p/scripts/100%25/instances/i-1/");
  EXPECT_EQ(aksk::canonical_uri("/v1/p/scripts/a%2Bb%20c~d/instances/i-1"),
            "/v1/p/scripts/a%2Bb%20c~d/instances/i-1/");
  EXPECT_EQ(aksk::canonical_uri(
                "/v1/p/scripts/%E6%8A%A5%E8%A1%A8%20daily%2Fv2%253F%3Fx/instances/odd-0001"),
            "/v1/p/scripts/%E6%8A%A5%E8%A1%A8%20daily/v2%253F%3Fx/instances/odd-0001/");
  EXPECT_EQ(aksk::canonical_uri("/v1/p/"), "/v1/p/");
  EXPECT_EQ(aksk::canonical_uri("/v1/a%2fb/c:d"), "/v1/a/b/c%3Ad/");
  EXPECT_EQ(aksk::canonical_uri("/"), "/");
  EXPECT_EQ(aksk::format_sdk_date(std::chrono::system_clock::from_time_t(1704164645)),
            "20240102T030405Z");
}

TEST(AkSkSigner, CanonicalQuerySortsDecodedPairsThenEncodesThem) {
  EXPECT_EQ(aksk::canonical_query({{"limit", "10"}, {"marker", ""}, {"name", "a b+c~/é"}}),
            "limit=10&marker=&name=a%20b%2Bc~%2F%C3%A9");
  EXPECT_EQ(aksk::canonical_query({{"tag", "z"}, {"tag", "a"}, {"tag", "m"}}), "tag=a&tag=m&tag=z");
  EXPECT_EQ(aksk::canonical_query({{"a~", "1"}, {"aé", "2"}, {"a%", "3"}}),
            "a%25=3&a~=1&a%C3%A9=2");
}

TEST(AkSkSigner, ARequestWithASlashInAnIdAndAQuerySignsAsTheOfficialSignerSignsIt) {
  const aksk::SigningInput input{"POST",
                                 "/v1/p/scripts/a%2Fb/instances/i-1/stop",
                                 {{"limit", "10"}, {"marker", ""}, {"name", "a b+c~/é"}},
                                 {{"Host", "dlf.example.com"},
                                  {"X-Sdk-Date", "20240102T030405Z"},
                                  {"Content-Type", "application/json"}},
                                 R"({"x":1})"};
  EXPECT_EQ(aksk::canonical_request(input),
            "POST\n/v1/p/scripts/a/b/instances/i-1/stop/\n"
            "limit=10&marker=&name=a%20b%2Bc~%2F%C3%A9\n"
            "content-type:application/json\nhost:dlf.example.com\nx-sdk-date:20240102T030405Z\n\n"
            "content-type;host;x-sdk-date\n"
            "5041bf1f713df204784353e82f6a4a535931cb64f1f4b4a5aeaffcb720918b22");
  EXPECT_EQ(aksk::signature("SKEXAMPLE", aksk::string_to_sign("20240102T030405Z",
                                                              aksk::canonical_request(input))),
            "08a0fbf96a879121b7d6f9e094c2ea52a9aca5ca743e4fd02ebeca56047ed43b");
}

TEST(UrlPath, EveryIdIsExactlyOneSegment) {
  EXPECT_EQ(encode_path_segment("a/b?c#d %e"), "a%2Fb%3Fc%23d%20%25e");
  EXPECT_EQ(encode_path_segment(".."), "..");  // why the schemas refuse "." and ".."
  EXPECT_EQ(encode_path_segment("报"), "%E6%8A%A5");
  EXPECT_EQ(build_path({"v1", "p", "scripts", "x/../y"}), "/v1/p/scripts/x%2F..%2Fy");
  EXPECT_EQ(decode_percent("a%2Fb%zz%"), "a/b%zz%");
}

TEST(ServiceErrorBodies, AllThreeShapesAndTheNestedOneAreParsed) {
  auto dlf = parse_service_error(R"({"error_code":"DLF.6205","error_msg":"gone"})");
  EXPECT_EQ(dlf.code, "DLF.6205");
  EXPECT_EQ(dlf.message, "gone");
  auto cdm = parse_service_error(R"({"errCode":"Cdm.0100","externalMessage":"bad mode"})");
  EXPECT_EQ(cdm.code, "Cdm.0100");
  EXPECT_EQ(cdm.message, "bad mode");
  auto gateway = parse_service_error(
      R"({"error_code":"APIGW.0308","error_msg":"throttled","request_id":"r-1"})");
  EXPECT_EQ(gateway.code, "APIGW.0308");
  EXPECT_EQ(gateway.request_id, "r-1");
  EXPECT_TRUE(is_throttling_code(gateway.code));
  auto nested = parse_service_error(R"({"error":{"code":"X.1","message":"m"}})");
  EXPECT_EQ(nested.code, "X.1");
  auto html = parse_service_error("<html>\n502 Bad Gateway</html>");
  EXPECT_EQ(html.code, "");
  EXPECT_EQ(html.message, "<html> 502 Bad Gateway</html>");  // no line breaks into logs
}

TEST(OutcomeMapping, StatusCodesMapToTheDocumentedOutcomes) {
  EXPECT_EQ(code_for_http_status(400), sdk::Code::invalid_argument);
  EXPECT_EQ(code_for_http_status(401), sdk::Code::unauthenticated);
  EXPECT_EQ(code_for_http_status(403), sdk::Code::permission_denied);
  EXPECT_EQ(code_for_http_status(404), sdk::Code::not_found);
  EXPECT_EQ(code_for_http_status(429), sdk::Code::unavailable);
  EXPECT_EQ(code_for_http_status(500), sdk::Code::unavailable);
  EXPECT_EQ(code_for_http_status(503), sdk::Code::unavailable);
  ApiResponse response{400, R"({"error_code":"DLF.6205","error_msg":"gone"})", "req-9", {}};
  const ErrorCodeMapping overrides[] = {{"DLF.6205", sdk::Code::not_found}};
  const auto outcome = error_outcome("DLF", "stop x", response, 1, overrides);
  EXPECT_EQ(outcome.code, sdk::Code::not_found);
  EXPECT_EQ(outcome.message, "DLF refused to stop x: HTTP 400 DLF.6205: gone (request id req-9)");
  EXPECT_EQ(outcome.details["request_id"], "req-9");
  EXPECT_EQ(outcome.details["error_code"], "DLF.6205");
}

TEST(RetryPolicy, RetryAfterIsParsedAndBackoffIsJitteredWithinBounds) {
  const auto now = std::chrono::system_clock::from_time_t(1704164645);
  EXPECT_EQ(parse_retry_after("3", now), 3000ms);
  EXPECT_EQ(parse_retry_after("Tue, 02 Jan 2024 03:04:15 GMT", now), 10000ms);
  EXPECT_EQ(parse_retry_after("soon", now), std::nullopt);
  RetrySettings settings{5, 100ms, 1000ms};
  std::mt19937_64 random(42);
  for (unsigned attempt = 1; attempt <= 8; ++attempt) {
    const auto base = std::min<std::chrono::milliseconds>(1000ms, 100ms * (1 << (attempt - 1)));
    for (int i = 0; i < 50; ++i) {
      const auto delay = backoff_delay(settings, attempt, std::nullopt, random);
      EXPECT_GE(delay, base / 2);
      EXPECT_LE(delay, base);
    }
  }
  EXPECT_GE(backoff_delay(settings, 1, 5000ms, random), 5000ms);  // Retry-After wins
  EXPECT_TRUE(is_retryable_status(429));
  EXPECT_TRUE(is_retryable_status(502));
  EXPECT_FALSE(is_retryable_status(400));
  EXPECT_FALSE(is_retryable_status(501));
}

TEST(TokenBucket, RefusesASlotPastTheDeadlineAndSpacesTheRest) {
  TokenBucket bucket(10, 2);
  const auto now = TokenBucket::Clock::now();
  EXPECT_TRUE(bucket.reserve(now + 1s).has_value());
  EXPECT_TRUE(bucket.reserve(now + 1s).has_value());
  const auto third = bucket.reserve(now + 1s);  // the burst is spent: ~100 ms later
  ASSERT_TRUE(third.has_value());
  EXPECT_GT(*third, now + 50ms);
  EXPECT_FALSE(bucket.reserve(TokenBucket::Clock::now()).has_value());
}

TEST(PluginSettings, EmptySettingsLeaveThePluginUnconfigured) {
  const ServiceDefaults defaults{"CDM", "https://cdm.{region}.myhuaweicloud.com", std::nullopt};
  EXPECT_FALSE(parse_plugin_settings(nlohmann::json::object(), defaults).configured);
  const auto regional =
      parse_plugin_settings({{"region", "cn-north-4"}, {"auth", {{"token", "t"}}}}, defaults);
  EXPECT_EQ(regional.client.endpoint, "https://cdm.cn-north-4.myhuaweicloud.com");
  EXPECT_TRUE(regional.client.verify_tls);
}

TEST(PluginSettings, ErrorsNameTheField) {
  const ServiceDefaults defaults{"CDM", "https://cdm.{region}.myhuaweicloud.com", std::nullopt};
  auto message_of = [&](const nlohmann::json& settings) {
    try {
      parse_plugin_settings(settings, defaults);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message_of({{"region", "cn-north-4"}}).rfind("settings.auth: required", 0), 0u);
  EXPECT_EQ(message_of({{"endpoint", "ftp://x"}, {"auth", {{"token", "t"}}}})
                .rfind("settings.endpoint", 0),
            0u);
  EXPECT_EQ(
      message_of({{"region", "r"}, {"auth", {{"token", "t"}}}, {"retry", {{"max_attempts", 0}}}})
          .rfind("settings.retry.max_attempts", 0),
      0u);
  EXPECT_EQ(message_of({{"region", "r"}, {"auth", {{"access_key", "a"}}}}),
            "settings.auth.secret_key: is required");
}

TEST(Secrets, ComeInlineFromTheEnvironmentOrAFileAndErrorsNeverShowThem) {
  ::setenv("STOPD_HWTEST_SECRET", "value-from-env", 1);
  EXPECT_EQ(Secret::parse({{"env", "STOPD_HWTEST_SECRET"}}, "auth.token").value(),
            "value-from-env");
  EXPECT_EQ(Secret::parse({{"env", "STOPD_HWTEST_SECRET"}}, "auth.token").source(),
            "env STOPD_HWTEST_SECRET");
  const auto file = std::filesystem::temp_directory_path() / "stopd-hwtest-secret.txt";
  std::ofstream(file) << "value-from-file\n";
  const auto from_file = Secret::parse({{"file", file.string()}}, "auth.token");
  EXPECT_EQ(from_file.value(), "value-from-file");
  std::ofstream(file) << "rotated-value-longer\n";  // a rotated token is picked up
  EXPECT_EQ(from_file.value(), "rotated-value-longer");
  std::filesystem::remove(file);
  try {
    Secret::parse({{"env", "STOPD_HWTEST_UNSET_VARIABLE"}}, "settings.auth.token");
    ADD_FAILURE() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(
        std::string(e.what()),
        "settings.auth.token: the environment variable STOPD_HWTEST_UNSET_VARIABLE is not set");
  }
  EXPECT_THROW(Secret::parse({{"env", "X"}, {"file", "y"}}, "k"), std::invalid_argument);
}

}  // namespace
}  // namespace stopd::huaweicloud
