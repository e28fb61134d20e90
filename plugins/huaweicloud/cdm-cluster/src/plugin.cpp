// The plugin library's one export: the descriptor for huaweicloud.cdm.cluster.
#include "stopd/sdk/plugin.hpp"

#include "stopd/huaweicloud/cdm_cluster_provider.hpp"

STOPD_PLUGIN(stopd::huaweicloud::CdmClusterProvider)
