// What a Huawei Cloud service said when it refused a request. Three body shapes exist:
//   {"error_code": "DLF.6205", "error_msg": "…"}          DLF, FunctionGraph, most services
//   {"errCode": "Cdm.0100", "externalMessage": "…"}       CDM
//   {"error_code": "APIGW.0308", "error_msg": "…"}        the API gateway (throttling, auth)
// and some services nest it as {"error": {"code": …, "message": …}}. The request id comes from
// the X-Request-Id header, or the body's request_id.
#pragma once

#include <string>
#include <string_view>

namespace stopd::huaweicloud {

struct ServiceError {
  std::string code;     // "DLF.6205"; empty if the body had none
  std::string message;  // the service's text, trimmed to a sane length; empty if none
  std::string request_id;
};

// Never throws: a body that is not JSON (an HTML page from a proxy) gives an empty code and a
// message with the start of the text.
ServiceError parse_service_error(std::string_view body);

// APIGW.0308: the API gateway's "throttled", whatever the status it came with.
bool is_throttling_code(std::string_view code);

}  // namespace stopd::huaweicloud
