// How stopd writes a point in time for people and scripts: RFC 3339, UTC, milliseconds
// ("2026-11-22T05:21:52.280Z"). Reports, -o json and the job API all use it.
#pragma once

#include <chrono>
#include <string>

namespace stopd::core {

std::string rfc3339_utc(std::chrono::system_clock::time_point at);

}  // namespace stopd::core
