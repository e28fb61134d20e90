// A token's scopes, as the batch manager asks about them: a type first, then targets. Shared by
// BatchService (a submitted batch) and the schedules (a schedule's plan when it is created, and
// every run of it after, with its creator's scopes).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "stopd/auth/auth.hpp"
#include "stopd/core/bounded_json.hpp"
#include "stopd/jobs/batch_manager.hpp"

namespace stopd::api {

class TokenAccess final : public core::BatchAccess {
 public:
  // `authenticator` outlives this; the principal is copied (its token points into the config).
  TokenAccess(const core::Authenticator& authenticator, core::Principal principal)
      : authenticator_(authenticator), principal_(std::move(principal)) {}
  std::optional<std::string> refuse_type(std::string_view type) const override {
    if (authenticator_.may_see(principal_, type)) return std::nullopt;
    return "token '" + principal_.name + "' may not stop resources of type " +
           core::text_excerpt(type);
  }
  std::optional<std::string> refuse_target(std::string_view type,
                                           const nlohmann::json& target) const override {
    return authenticator_.check(principal_, type, target);
  }

 private:
  const core::Authenticator& authenticator_;
  const core::Principal principal_;
};

}  // namespace stopd::api
