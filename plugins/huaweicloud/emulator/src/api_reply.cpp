#include "api_reply.hpp"

namespace stopd::hwemu {

ApiReply ok(nlohmann::json body) {
  return ApiReply{200, std::move(body), "", std::nullopt};
}

ApiReply no_content() {
  return ApiReply{204, nullptr, "", std::nullopt};
}

ApiReply service_error(Service service, int status, std::string code, std::string message) {
  nlohmann::json body =
      service == Service::cdm
          ? nlohmann::json{{"errCode", code}, {"externalMessage", std::move(message)}}
          : nlohmann::json{{"error_code", code}, {"error_msg", std::move(message)}};
  return ApiReply{status, std::move(body), std::move(code), std::nullopt};
}

ApiReply gateway_error(int status, std::string code, std::string message,
                       const std::string& request_id) {
  nlohmann::json body = {
      {"error_code", code}, {"error_msg", std::move(message)}, {"request_id", request_id}};
  return ApiReply{status, std::move(body), std::move(code), std::nullopt};
}

}  // namespace stopd::hwemu
