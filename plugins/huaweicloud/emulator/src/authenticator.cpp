#include "authenticator.hpp"

#include <openssl/crypto.h>

namespace stopd::hwemu {
namespace {

constexpr auto kMaxClockSkew = std::chrono::minutes(15);

AuthDecision refuse(int status, std::string code, std::string message) {
  return AuthDecision{std::nullopt, status, std::move(code), std::move(message)};
}

const std::string* header(const SignedRequest& request, const std::string& name) {
  for (const auto& [received, value] : request.headers)
    if (received == name) return &value;
  return nullptr;
}

bool same_secret(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

AuthDecision allow_for(const std::string& owner, bool read_only, const std::string& project,
                       const char* method) {
  if (owner != project)
    return refuse(403, "APIGW.0302",
                  "The IAM user is not authorized to access the API: the credentials belong to "
                  "another project.");
  return AuthDecision{Caller{owner, read_only, method}, 0, "", ""};
}

}  // namespace

void Authenticator::reset(const Fixture& fixture) {
  std::lock_guard lock(mutex_);
  tokens_ = fixture.tokens;
  access_keys_ = fixture.access_keys;
}

AuthDecision Authenticator::check(const SignedRequest& request, const std::string& project) const {
  if (const auto* authorization = header(request, "authorization"))
    return check_signature(request, *authorization, project);
  const auto* token = header(request, "x-auth-token");
  if (token == nullptr)
    return refuse(401, "APIGW.0301",
                  "Incorrect IAM authentication information: no X-Auth-Token and no "
                  "Authorization header.");
  std::lock_guard lock(mutex_);
  for (const auto& grant : tokens_)
    if (same_secret(grant.token, *token))
      return allow_for(grant.project_id, grant.read_only, project, "token");
  return refuse(401, "APIGW.0301",
                "Incorrect IAM authentication information: the token is invalid or expired.");
}

AuthDecision Authenticator::check_signature(const SignedRequest& request,
                                            const std::string& authorization,
                                            const std::string& project) const {
  const auto parsed = parse_authorization(authorization);
  if (!parsed)
    return refuse(401, "APIGW.0301",
                  "Incorrect IAM authentication information: the Authorization header is not "
                  "SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=….");
  const auto* date_header = header(request, "x-sdk-date");
  const auto date = date_header ? parse_sdk_date(*date_header) : std::nullopt;
  if (!date)
    return refuse(401, "APIGW.0301",
                  "Incorrect IAM authentication information: X-Sdk-Date is missing or not "
                  "YYYYMMDDTHHMMSSZ.");
  const auto skew = std::chrono::system_clock::now() - *date;
  if (skew > kMaxClockSkew || skew < -kMaxClockSkew)
    return refuse(401, "APIGW.0301",
                  "Incorrect IAM authentication information: X-Sdk-Date is more than 15 minutes "
                  "away from the server's clock.");
  bool signs_host = false;
  bool signs_date = false;
  for (const auto& name : parsed->signed_headers) {
    signs_host = signs_host || name == "host";
    signs_date = signs_date || name == "x-sdk-date";
  }
  if (!signs_host || !signs_date)
    return refuse(401, "APIGW.0301",
                  "Incorrect IAM authentication information: SignedHeaders must include host "
                  "and x-sdk-date.");
  std::lock_guard lock(mutex_);
  for (const auto& grant : access_keys_) {
    if (grant.access_key != parsed->access_key) continue;
    const std::string expected =
        expected_signature(request, parsed->signed_headers, *date_header, grant.secret_key);
    if (!same_signature(expected, parsed->signature))
      return refuse(401, "APIGW.0301",
                    "Incorrect IAM authentication information: verify aksk signature fail.");
    return allow_for(grant.project_id, grant.read_only, project, "aksk");
  }
  return refuse(401, "APIGW.0301",
                "Incorrect IAM authentication information: the access key does not exist.");
}

}  // namespace stopd::hwemu
