// The daemon's StopRequest for a planned stop and its typed target and options: shared by the
// single stop and the selector stop (daemon_stop.cpp).
#pragma once

#include <nlohmann/json.hpp>

#include "stopd/cli/options.hpp"
#include "stopd/cli/stop_plan.hpp"
#include "stopd/v1/stopd.pb.h"

namespace stopd::cli {

// Throws std::invalid_argument for an integer too large to pass exactly.
v1::StopRequest stop_message(const StopPlan& plan, const StopArguments& args,
                             const nlohmann::json& target, const nlohmann::json& options);

}  // namespace stopd::cli
