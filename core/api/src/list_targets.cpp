// StopService::ListTargets: a provider's list(selector), for selector-based stops, confined to
// what the caller's token could stop.
#include "convert.hpp"
#include "rpc_call.hpp"
#include "stop_service.hpp"

namespace stopd::api {

grpc::Status StopService::ListTargets(grpc::ServerContext* context,
                                      const v1::ListTargetsRequest* request,
                                      v1::ListTargetsResponse* response) {
  return serve(
      "ListTargets", accepting_.load(), authenticator_, *context,
      [&](const core::Principal& principal) {
        const std::string& type = request->type();
        if (type.empty())
          throw sdk::StopError(sdk::Code::invalid_argument,
                               "type: required (a resource type such as cri.container)");
        // The provider is asked only on behalf of a caller who may stop something of the
        // type: a listing reveals what exists.
        if (!authenticator_.may_see(principal, type))
          throw sdk::StopError(
              sdk::Code::permission_denied,
              "token '" + principal.name + "' may not stop resources of type " + echo(type));
        // Host::list checks the type and the selector's schema (invalid_argument naming
        // the field) and turns the provider's failures into StopErrors with their codes.
        nlohmann::json selector;
        try {
          selector = from_struct(request->selector());
        } catch (const std::invalid_argument& e) {
          throw sdk::StopError(sdk::Code::invalid_argument, std::string("selector: ") + e.what());
        }
        for (auto& target : host_.list(type, selector)) {
          if (authenticator_.check(principal, type, target)) {
            response->set_hidden(response->hidden() + 1);
            continue;
          }
          *response->add_targets() = to_struct(target);
        }
        return grpc::Status::OK;
      });
}

}  // namespace stopd::api
