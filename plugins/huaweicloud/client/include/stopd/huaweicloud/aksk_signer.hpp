// Huawei Cloud's AK/SK request signing, algorithm SDK-HMAC-SHA256:
//   canonical request = METHOD \n canonical URI \n canonical query \n canonical headers \n
//                       signed headers \n hex(SHA-256(body))
//   string to sign    = "SDK-HMAC-SHA256" \n X-Sdk-Date \n hex(SHA-256(canonical request))
//   signature         = hex(HMAC-SHA256(SK, string to sign))
//   Authorization: SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<a;b>, Signature=<hex>
// The canonical URI re-encodes every path segment and always ends in '/'; headers are
// "lowercase-name:trimmed-value\n", sorted by name. Each step is a function of its own so a test
// can check it against a vector computed by hand.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stopd::huaweicloud::aksk {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

inline constexpr char kAlgorithm[] = "SDK-HMAC-SHA256";

struct SigningInput {
  std::string method;  // "POST"
  std::string path;    // as sent, percent-encoded: "/v1/p/scripts/a%20b/instances/i/stop"
  HeaderList query;    // decoded name/value pairs (none for the stop APIs)
  HeaderList headers;  // every header to sign, Host and X-Sdk-Date included
  std::string body;
};

// "20240102T030405Z" (UTC), the X-Sdk-Date format.
std::string format_sdk_date(std::chrono::system_clock::time_point when);

// As the official SDK signer: "/v1/p/a%2Fb" → "/v1/p/a/b/" (decoded, split on '/', each part
// re-encoded, a trailing '/').
std::string canonical_uri(std::string_view encoded_path);
// `query` holds decoded names and values: sorted by them, then encoded ("k=v&k=w").
std::string canonical_query(const HeaderList& query);
std::string canonical_headers(const HeaderList& headers);
std::string signed_header_names(const HeaderList& headers);  // "host;x-sdk-date"
std::string canonical_request(const SigningInput& input);
std::string string_to_sign(std::string_view sdk_date, std::string_view canonical_request);
std::string signature(std::string_view secret_key, std::string_view string_to_sign);

// The Authorization header's value for `input` (whose headers must include X-Sdk-Date).
std::string authorization(std::string_view access_key, std::string_view secret_key,
                          const SigningInput& input);

// Hex helpers, shared with the emulator's verifier and the tests.
std::string sha256_hex(std::string_view data);
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

}  // namespace stopd::huaweicloud::aksk
