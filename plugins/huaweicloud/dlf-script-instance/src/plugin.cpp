// The plugin library's one export: the descriptor for huaweicloud.dlf.script_instance.
#include "stopd/sdk/plugin.hpp"

#include "stopd/huaweicloud/dlf_script_instance_provider.hpp"

STOPD_PLUGIN(stopd::huaweicloud::DlfScriptInstanceProvider)
