// Request paths built from ids. Every id goes in as one percent-encoded segment (everything but
// RFC 3986's unreserved characters is encoded), so no id can add a segment, climb with "..",
// start a query or a fragment: "a/b?c" is sent as "a%2Fb%3Fc".
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace stopd::huaweicloud {

// "a b/c" → "a%20b%2Fc". Bytes beyond ASCII (UTF-8) are encoded one by one.
std::string encode_path_segment(std::string_view segment);

// "%2F" → "/"; a '%' not followed by two hex digits is kept as it is.
std::string decode_percent(std::string_view text);

// {"v1", project, "scripts", name} → "/v1/<project>/scripts/<name>", each part encoded.
std::string build_path(std::initializer_list<std::string_view> segments);

}  // namespace stopd::huaweicloud
