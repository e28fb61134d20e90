// The plugin library's one export: the descriptor for cri.container.
#include "stopd/sdk/plugin.hpp"

#include "stopd/cri/container_provider.hpp"

STOPD_PLUGIN(stopd::cri::ContainerProvider)
