// Routes on the raw request path, split at '/' and only then percent-decoded, so an id holding
// an encoded '/' ("a%2Fb") is one segment named "a/b", as it is for the real services
// (cpp-httplib's own router matches the decoded path, where it would be two).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api_reply.hpp"
#include "authenticator.hpp"

namespace stopd::hwemu {

// One authenticated call to a route: its path parameters (decoded), the caller, the request.
struct ApiCall {
  std::vector<std::string> params;  // the "*" segments in order; params[0] is the project id
  Caller caller;
  std::string body;
  std::function<std::optional<std::string>(const std::string&)> header;  // by lowercase name
};

struct Route {
  std::string method;
  std::vector<std::string> pattern;  // literal segments, "*" for a parameter
  Service service;
  std::function<ApiReply(const ApiCall&)> handle;
};

struct RouteMatch {
  const Route* route = nullptr;
  std::vector<std::string> params;
};

// "/v1/p/scripts/a%2Fb" → {"v1", "p", "scripts", "a/b"}; nullopt for an empty segment.
std::optional<std::vector<std::string>> decoded_segments(const std::string& raw_path);

class ApiRouter {
 public:
  void add(std::vector<Route> routes);
  std::optional<RouteMatch> match(const std::string& method,
                                  const std::vector<std::string>& segments) const;
  // The service a path belongs to whatever the method, for failures injected before routing.
  std::optional<Service> service_of(const std::vector<std::string>& segments) const;

 private:
  static bool fits(const Route& route, const std::vector<std::string>& segments);
  std::vector<Route> routes_;
};

// Each service's routes, in a file of its own.
class CloudState;
std::vector<Route> cdm_routes(CloudState& state);
std::vector<Route> dlf_routes(CloudState& state);
std::vector<Route> functiongraph_routes(CloudState& state);

}  // namespace stopd::hwemu
