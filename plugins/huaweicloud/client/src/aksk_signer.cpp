#include "stopd/huaweicloud/aksk_signer.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <stdexcept>

#include "stopd/huaweicloud/url_path.hpp"

namespace stopd::huaweicloud::aksk {
namespace {

std::string to_hex(const unsigned char* data, std::size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    hex.push_back(kHex[data[i] >> 4]);
    hex.push_back(kHex[data[i] & 0x0F]);
  }
  return hex;
}

std::string lowercase(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

HeaderList normalized_headers(const HeaderList& headers) {
  HeaderList normalized;
  normalized.reserve(headers.size());
  for (const auto& [name, value] : headers)
    normalized.emplace_back(lowercase(name), std::string(trim(value)));
  std::sort(normalized.begin(), normalized.end());
  return normalized;
}

}  // namespace

std::string format_sdk_date(std::chrono::system_clock::time_point when) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  std::array<char, 32> text{};
  const std::size_t size = std::strftime(text.data(), text.size(), "%Y%m%dT%H%M%SZ", &utc);
  return std::string(text.data(), size);
}

// As the official SDK signer builds it (huaweicloudsdkcore/signer/signer.py,
// process_canonical_uri), which API Gateway verifies: the whole path percent-decoded first, then
// split on '/', each part encoded keeping only unreserved characters. So an id sent as one
// segment with an encoded '/' ("a%2Fb") signs as two ("a/b"), exactly as the server checks it.
std::string canonical_uri(std::string_view encoded_path) {
  const std::string decoded = decode_percent(encoded_path);
  const std::string_view path(decoded);
  std::string uri;
  std::size_t start = 0;
  for (;;) {
    const std::size_t slash = path.find('/', start);
    uri += encode_path_segment(path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    uri.push_back('/');
    start = slash + 1;
  }
  if (uri.empty() || uri.back() != '/') uri.push_back('/');
  return uri;
}

// Sorted by the decoded (name, value) pairs, as the official signer sorts them (repeated names by
// value), then encoded: encoding first would order "a~" after "a%C3%A9", the server before.
std::string canonical_query(const HeaderList& query) {
  HeaderList sorted = query;
  std::sort(sorted.begin(), sorted.end());
  std::string text;
  for (const auto& [name, value] : sorted) {
    if (!text.empty()) text.push_back('&');
    text += encode_path_segment(name) + "=" + encode_path_segment(value);
  }
  return text;
}

std::string canonical_headers(const HeaderList& headers) {
  std::string text;
  for (const auto& [name, value] : normalized_headers(headers)) text += name + ":" + value + "\n";
  return text;
}

std::string signed_header_names(const HeaderList& headers) {
  std::string text;
  for (const auto& [name, value] : normalized_headers(headers)) {
    if (!text.empty()) text.push_back(';');
    text += name;
  }
  return text;
}

std::string canonical_request(const SigningInput& input) {
  return input.method + "\n" + canonical_uri(input.path) + "\n" + canonical_query(input.query) +
         "\n" + canonical_headers(input.headers) + "\n" + signed_header_names(input.headers) +
         "\n" + sha256_hex(input.body);
}

std::string string_to_sign(std::string_view sdk_date, std::string_view canonical_request) {
  return std::string(kAlgorithm) + "\n" + std::string(sdk_date) + "\n" +
         sha256_hex(canonical_request);
}

std::string signature(std::string_view secret_key, std::string_view string_to_sign) {
  return hmac_sha256_hex(secret_key, string_to_sign);
}

std::string authorization(std::string_view access_key, std::string_view secret_key,
                          const SigningInput& input) {
  std::string sdk_date;
  for (const auto& [name, value] : input.headers)
    if (lowercase(name) == "x-sdk-date") sdk_date = value;
  if (sdk_date.empty()) throw std::invalid_argument("AK/SK signing needs an X-Sdk-Date header");
  const std::string to_sign = string_to_sign(sdk_date, canonical_request(input));
  return std::string(kAlgorithm) + " Access=" + std::string(access_key) +
         ", SignedHeaders=" + signed_header_names(input.headers) +
         ", Signature=" + signature(secret_key, to_sign);
}

std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 failed");
  return to_hex(digest.data(), size);
}

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int size = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac.data(),
           &size) == nullptr)
    throw std::runtime_error("HMAC-SHA256 failed");
  return to_hex(mac.data(), size);
}

}  // namespace stopd::huaweicloud::aksk
