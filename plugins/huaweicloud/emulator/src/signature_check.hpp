// The server's side of AK/SK signing (SDK-HMAC-SHA256), written independently of the client's
// signer so that a mistake in one is not mirrored by the other: the signature is recomputed from
// the request as received (raw path, query, the headers named in SignedHeaders, body).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stopd::hwemu {

struct SignedRequest {
  std::string method;
  std::string raw_path;   // as on the request line, still percent-encoded, no query
  std::string raw_query;  // after '?', may be empty
  // Lookup of a received header by lowercase name; nullopt if absent.
  std::vector<std::pair<std::string, std::string>> headers;  // lowercase names
  std::string body;
};

struct AuthorizationHeader {
  std::string access_key;
  std::vector<std::string> signed_headers;
  std::string signature;
};

// "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=hex"; nullopt if malformed.
std::optional<AuthorizationHeader> parse_authorization(std::string_view value);

// "20240102T030405Z" → that instant; nullopt if malformed.
std::optional<std::chrono::system_clock::time_point> parse_sdk_date(std::string_view value);

// The hex signature the request should carry when signed with `secret_key`.
std::string expected_signature(const SignedRequest& request,
                               const std::vector<std::string>& signed_headers,
                               std::string_view sdk_date, std::string_view secret_key);

// Constant-time comparison of two hex strings.
bool same_signature(std::string_view a, std::string_view b);

}  // namespace stopd::hwemu
