// ListJobs page tokens: opaque to clients, a cursor (the id of the last job a page held) to us.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace stopd::api {

std::string encode_page_token(std::string_view last_job_id);
// The cursor, or nullopt when `token` is not one this server issued.
std::optional<std::string> decode_page_token(std::string_view token);

}  // namespace stopd::api
