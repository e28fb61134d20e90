// IStopProvider::stop() on top of start(): for a caller that wants to block on one stop while the
// provider's loop thread does the work.
#pragma once

#include <functional>
#include <memory>

#include "stopd/sdk/context.hpp"
#include "stopd/sdk/outcome.hpp"

namespace stopd::process {

// Calls start(relay) with a context that relays to `outer` and blocks until the outcome.
sdk::StopOutcome run_blocking(sdk::StopContext& outer,
                              const std::function<void(std::shared_ptr<sdk::StopContext>)>& start);

}  // namespace stopd::process
