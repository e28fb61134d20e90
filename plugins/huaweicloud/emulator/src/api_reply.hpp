// An answer of an emulated service, and the error bodies the real ones send:
//   CDM                      {"errCode": "Cdm.0100", "externalMessage": "…"}
//   DLF, FunctionGraph       {"error_code": "DLF.6205", "error_msg": "…"}
//   the API gateway          {"error_code": "APIGW.0308", "error_msg": "…", "request_id": "…"}
// Codes beyond the documented ones (DLF.6205, DLF.6201, DLF.6888, APIGW.*) are illustrative: the
// plugins map by HTTP status, and by code only where the service documents one.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace stopd::hwemu {

enum class Service { cdm, dlf, functiongraph };

struct ApiReply {
  int status = 200;
  nlohmann::json body;     // null: no body (DLF's 204)
  std::string error_code;  // for the request log
  std::optional<int> retry_after_seconds;
};

ApiReply ok(nlohmann::json body);
ApiReply no_content();
// An error in `service`'s own body shape.
ApiReply service_error(Service service, int status, std::string code, std::string message);
// An error from the API gateway (auth, throttling, unknown API).
ApiReply gateway_error(int status, std::string code, std::string message,
                       const std::string& request_id);

}  // namespace stopd::hwemu
