#include "real_schemas.hpp"

#include "plugins/cri/container/src/container_schemas.hpp"
#include "plugins/cri/pod-sandbox/src/pod_sandbox_schemas.hpp"
#include "plugins/huaweicloud/cdm-cluster/src/schemas.hpp"
#include "plugins/huaweicloud/dlf-script-instance/src/schemas.hpp"
#include "plugins/huaweicloud/fgs-workflow-execution/src/schemas.hpp"
#include "plugins/process/src/schemas.hpp"
#include "stopd/batch/batch_plan.hpp"
#include "stopd/core/host_config.hpp"

namespace stopd::fuzz {

const std::vector<NamedSchema>& plugin_schemas() {
  static const std::vector<NamedSchema> schemas = {
      {"local.process target", process::target_schema()},
      {"local.process options", process::options_schema()},
      {"local.process selector", process::selector_schema()},
      {"cri.container target", cri::container_target_schema()},
      {"cri.container options", cri::container_options_schema()},
      {"cri.container selector", cri::container_selector_schema()},
      {"cri.pod_sandbox target", cri::pod_sandbox_target_schema()},
      {"cri.pod_sandbox options", cri::pod_sandbox_options_schema()},
      {"cri.pod_sandbox selector", cri::pod_sandbox_selector_schema()},
      {"huaweicloud.cdm.cluster target", huaweicloud::cdm::target_schema()},
      {"huaweicloud.cdm.cluster options", huaweicloud::cdm::options_schema()},
      {"huaweicloud.dlf.script_instance target", huaweicloud::dlf::target_schema()},
      {"huaweicloud.dlf.script_instance options", huaweicloud::dlf::options_schema()},
      {"huaweicloud.fgs.workflow_execution target", huaweicloud::fgs::target_schema()},
      {"huaweicloud.fgs.workflow_execution options", huaweicloud::fgs::options_schema()},
  };
  return schemas;
}

const std::vector<NamedSchema>& real_schemas() {
  static const std::vector<NamedSchema> schemas = [] {
    std::vector<NamedSchema> all = plugin_schemas();
    all.push_back({"plan", core::batch_plan_schema()});
    all.push_back({"config", core::host_config_schema()});
    return all;
  }();
  return schemas;
}

}  // namespace stopd::fuzz
