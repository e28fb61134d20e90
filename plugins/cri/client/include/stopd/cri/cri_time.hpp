// CRI timestamps are nanoseconds since the epoch; outcome details carry them as RFC 3339 text.
#pragma once

#include <cstdint>
#include <string>

namespace stopd::cri {

// "2024-05-01T12:00:00.123456789Z"; "" for 0 (the CRI's "not set").
std::string rfc3339_from_nanoseconds(std::int64_t nanoseconds);

}  // namespace stopd::cri
