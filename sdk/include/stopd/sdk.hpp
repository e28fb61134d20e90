// Everything a plugin author needs: include this, implement stopd::sdk::IStopProvider, and end
// the file with STOPD_PLUGIN(YourProvider). Start reading at sdk/provider.hpp.
#pragma once

#include "stopd/sdk/context.hpp"
#include "stopd/sdk/fields.hpp"
#include "stopd/sdk/logger.hpp"
#include "stopd/sdk/outcome.hpp"
#include "stopd/sdk/plugin.hpp"
#include "stopd/sdk/provider.hpp"
#include "stopd/sdk/provider_config.hpp"
#include "stopd/sdk/request.hpp"
#include "stopd/sdk/version.hpp"
#include "stopd/sdk/waiter.hpp"
