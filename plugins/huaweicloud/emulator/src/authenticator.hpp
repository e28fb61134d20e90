// Who is calling, as the API gateway decides it: an X-Auth-Token from the fixture, or an AK/SK
// signature that verifies and is fresh (X-Sdk-Date within 15 minutes). Unknown or bad
// credentials are 401 APIGW.0301; credentials of another project are 403 APIGW.0302.
#pragma once

#include <mutex>
#include <optional>
#include <string>

#include "fixture.hpp"
#include "signature_check.hpp"

namespace stopd::hwemu {

struct Caller {
  std::string project_id;
  bool read_only = false;
  std::string method;  // "token" or "aksk", for the request log
};

struct AuthDecision {
  std::optional<Caller> caller;  // set when allowed
  int status = 0;                // 401 or 403 otherwise
  std::string error_code;
  std::string message;
};

class Authenticator {
 public:
  explicit Authenticator(const Fixture& fixture) { reset(fixture); }
  void reset(const Fixture& fixture);

  // `request.headers` have lowercase names. `project` is the path's project id.
  AuthDecision check(const SignedRequest& request, const std::string& project) const;

 private:
  AuthDecision check_signature(const SignedRequest& request, const std::string& authorization,
                               const std::string& project) const;

  mutable std::mutex mutex_;
  std::vector<TokenGrant> tokens_;
  std::vector<AccessKeyGrant> access_keys_;
};

}  // namespace stopd::hwemu
