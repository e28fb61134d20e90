#include "stopd/huaweicloud/credentials.hpp"

#include <stdexcept>

namespace stopd::huaweicloud {

Credentials Credentials::parse(const nlohmann::json& auth, const std::string& key) {
  if (!auth.is_object())
    throw std::invalid_argument(key +
                                ": expected {\"token\": …} or {\"access_key\": …, "
                                "\"secret_key\": …}");
  for (const auto& [name, _] : auth.items())
    if (name != "token" && name != "access_key" && name != "secret_key" && name != "security_token")
      throw std::invalid_argument(
          key + ": unknown key '" + name +
          "' (expected token, or access_key and secret_key with an optional security_token)");
  Credentials credentials;
  const bool token = auth.contains("token");
  const bool access = auth.contains("access_key") || auth.contains("secret_key");
  if (token && access)
    throw std::invalid_argument(key + ": expected either token or access_key/secret_key, not both");
  if (token) {
    if (auth.contains("security_token"))
      throw std::invalid_argument(key + ".security_token: only used with access_key/secret_key");
    credentials.kind_ = Kind::token;
    credentials.token_ = Secret::parse(auth["token"], key + ".token");
    return credentials;
  }
  if (!auth.contains("access_key")) throw std::invalid_argument(key + ".access_key: is required");
  if (!auth.contains("secret_key")) throw std::invalid_argument(key + ".secret_key: is required");
  credentials.kind_ = Kind::access_key;
  credentials.access_key_ = Secret::parse(auth["access_key"], key + ".access_key");
  credentials.secret_key_ = Secret::parse(auth["secret_key"], key + ".secret_key");
  if (auth.contains("security_token"))
    credentials.security_token_ = Secret::parse(auth["security_token"], key + ".security_token");
  return credentials;
}

std::string Credentials::describe() const {
  switch (kind_) {
    case Kind::none:
      return "none";
    case Kind::token:
      return "token (" + token_.source() + ")";
    case Kind::access_key:
      return "AK/SK (" + access_key_.source() + ", " + secret_key_.source() + ")";
  }
  return "none";
}

void Credentials::authorize(const std::string& method, const std::string& path,
                            const std::string& body, aksk::HeaderList& headers,
                            std::chrono::system_clock::time_point now) const {
  switch (kind_) {
    case Kind::none:
      throw std::runtime_error("no credentials are configured (settings.auth)");
    case Kind::token:
      headers.emplace_back("X-Auth-Token", token_.value());
      return;
    case Kind::access_key: {
      headers.emplace_back("X-Sdk-Date", aksk::format_sdk_date(now));
      if (!security_token_.empty())
        headers.emplace_back("X-Security-Token", security_token_.value());
      aksk::SigningInput input{method, path, {}, headers, body};
      headers.emplace_back("Authorization",
                           aksk::authorization(access_key_.value(), secret_key_.value(), input));
      return;
    }
  }
}

}  // namespace stopd::huaweicloud
