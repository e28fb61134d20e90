// The plugin library's one export: the descriptor for cri.pod_sandbox.
#include "stopd/sdk/plugin.hpp"

#include "stopd/cri/pod_sandbox_provider.hpp"

STOPD_PLUGIN(stopd::cri::PodSandboxProvider)
