// The plugin library's one export: the descriptor for local.process.
#include "stopd/sdk/plugin.hpp"

#include "stopd/process/process_provider.hpp"

STOPD_PLUGIN(stopd::process::ProcessProvider)
