// The plugin library's one export: the descriptor for huaweicloud.fgs.workflow_execution.
#include "stopd/sdk/plugin.hpp"

#include "stopd/huaweicloud/fgs_workflow_execution_provider.hpp"

STOPD_PLUGIN(stopd::huaweicloud::FgsWorkflowExecutionProvider)
