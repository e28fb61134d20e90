// Job ids: "j-" + 10 Crockford base32 digits of the creation time (48 bits of ms since the epoch)
// + 16 digits of randomness (80 bits): unique without coordination, and sorted by creation time
// when compared as strings (like a ULID).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "stopd/core/job.hpp"

namespace stopd::core {

inline constexpr std::size_t kJobIdLength = 28;

std::string new_job_id(Job::Time created);

// The creation time (ms since the epoch) an id was made with; nullopt if it is not such an id.
std::optional<std::int64_t> job_id_time_ms(std::string_view id);

}  // namespace stopd::core
