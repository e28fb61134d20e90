// How requests authenticate, chosen by the plugin's settings.auth:
//   {"token": SECRET}                                   → X-Auth-Token (an IAM token)
//   {"access_key": SECRET, "secret_key": SECRET,
//    "security_token": SECRET}  (the last one only for temporary credentials)
//                                                       → SDK-HMAC-SHA256 signature per request
// where SECRET is a string, {"env": "NAME"} or {"file": "/path"}.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "stopd/huaweicloud/aksk_signer.hpp"
#include "stopd/huaweicloud/secret.hpp"

namespace stopd::huaweicloud {

class Credentials {
 public:
  enum class Kind { none, token, access_key };

  Credentials() = default;

  // Throws std::invalid_argument naming the field under `key` ("settings.auth.secret_key: …").
  static Credentials parse(const nlohmann::json& auth, const std::string& key);

  Kind kind() const { return kind_; }
  // "token (env HW_TOKEN)", "AK/SK (file /etc/stopd/ak, file /etc/stopd/sk)": for messages.
  std::string describe() const;

  // Adds the authentication headers to a request about to be sent: X-Auth-Token, or
  // X-Sdk-Date (+ X-Security-Token) and the Authorization signature over `headers` as they are
  // then (Host included). Throws std::runtime_error if a secret became unreadable.
  void authorize(const std::string& method, const std::string& path, const std::string& body,
                 aksk::HeaderList& headers, std::chrono::system_clock::time_point now) const;

 private:
  Kind kind_ = Kind::none;
  Secret token_;
  Secret access_key_;
  Secret secret_key_;
  Secret security_token_;
};

}  // namespace stopd::huaweicloud
