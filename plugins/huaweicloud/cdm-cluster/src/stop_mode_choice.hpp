// Which stop body a request calls for, from the host's schedule (force_at folds in the grace and
// any escalation): immediate or force due → IMMEDIATELY; unbounded grace → GRACEFULLY -1;
// otherwise GRACEFULLY with the time left until force_at, rounded up to whole seconds.
#pragma once

#include "cdm_api.hpp"
#include "stopd/sdk/context.hpp"
#include "stopd/sdk/request.hpp"

namespace stopd::huaweicloud::cdm {

StopMode choose_stop_mode(const sdk::StopRequest& request, const sdk::StopContext& context);

}  // namespace stopd::huaweicloud::cdm
