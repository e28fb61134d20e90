#include "signature_check.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <ctime>

namespace stopd::hwemu {
namespace {

std::string hex(const unsigned char* data, unsigned size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < size; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 15];
  }
  return out;
}

std::string sha256(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned size = 0;
  EVP_Digest(data.data(), data.size(), md.data(), &size, EVP_sha256(), nullptr);
  return hex(md.data(), size);
}

std::string hmac(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md.data(), &size);
  return hex(md.data(), size);
}

std::string unescape(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() &&
        std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// RFC 3986 unreserved characters stay, everything else becomes %XX (upper case).
std::string escape(std::string_view text) {
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += ch;
    } else {
      std::array<char, 4> code{};
      std::snprintf(code.data(), code.size(), "%%%02X", c);
      out += code.data();
    }
  }
  return out;
}

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const auto at = text.find(separator, start);
    parts.emplace_back(text.substr(start, at == std::string_view::npos ? text.npos : at - start));
    if (at == std::string_view::npos) return parts;
    start = at + 1;
  }
}

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return std::string(text.substr(first, last - first + 1));
}

}  // namespace

std::optional<AuthorizationHeader> parse_authorization(std::string_view value) {
  constexpr std::string_view kPrefix = "SDK-HMAC-SHA256 ";
  if (!value.starts_with(kPrefix)) return std::nullopt;
  AuthorizationHeader header;
  for (const auto& part : split(value.substr(kPrefix.size()), ',')) {
    const std::string field = trim(part);
    const auto equals = field.find('=');
    if (equals == std::string::npos) return std::nullopt;
    const std::string name = field.substr(0, equals);
    const std::string content = field.substr(equals + 1);
    if (name == "Access")
      header.access_key = content;
    else if (name == "SignedHeaders")
      header.signed_headers = split(content, ';');
    else if (name == "Signature")
      header.signature = content;
  }
  if (header.access_key.empty() || header.signature.empty() || header.signed_headers.empty())
    return std::nullopt;
  return header;
}

std::optional<std::chrono::system_clock::time_point> parse_sdk_date(std::string_view value) {
  if (value.size() != 16 || value[8] != 'T' || value[15] != 'Z') return std::nullopt;
  std::tm utc{};
  const std::string text(value);
  if (::strptime(text.c_str(), "%Y%m%dT%H%M%SZ", &utc) == nullptr) return std::nullopt;
  return std::chrono::system_clock::from_time_t(::timegm(&utc));
}

std::string expected_signature(const SignedRequest& request,
                               const std::vector<std::string>& signed_headers,
                               std::string_view sdk_date, std::string_view secret_key) {
  // As API Gateway canonicalizes (the official SDK signer's process_canonical_uri): the whole
  // path decoded first, then split on '/', each part re-encoded, and a trailing '/'. An encoded
  // '/' inside an id is a separator here.
  std::string uri;
  const auto segments = split(unescape(request.raw_path), '/');
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) uri += '/';
    uri += escape(segments[i]);
  }
  if (uri.empty() || uri.back() != '/') uri += '/';

  // The query: sorted by decoded (name, value), repeated names by value, then encoded.
  std::vector<std::pair<std::string, std::string>> query;
  if (!request.raw_query.empty())
    for (const auto& pair : split(request.raw_query, '&')) {
      const auto equals = pair.find('=');
      query.emplace_back(unescape(pair.substr(0, equals)),
                         equals == std::string::npos ? "" : unescape(pair.substr(equals + 1)));
    }
  std::sort(query.begin(), query.end());
  std::string canonical_query;
  for (const auto& [name, value] : query)
    canonical_query += (canonical_query.empty() ? "" : "&") + escape(name) + "=" + escape(value);

  std::string canonical_headers;
  std::string names;
  for (const auto& name : signed_headers) {
    std::string value;
    for (const auto& [received, content] : request.headers)
      if (received == name) value = trim(content);
    canonical_headers += name + ":" + value + "\n";
    names += (names.empty() ? "" : ";") + name;
  }
  const std::string canonical = request.method + "\n" + uri + "\n" + canonical_query + "\n" +
                                canonical_headers + "\n" + names + "\n" + sha256(request.body);
  const std::string to_sign =
      "SDK-HMAC-SHA256\n" + std::string(sdk_date) + "\n" + sha256(canonical);
  return hmac(secret_key, to_sign);
}

bool same_signature(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace stopd::hwemu
