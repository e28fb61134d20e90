#include "schemas.hpp"

namespace stopd::huaweicloud::cdm {

const sdk::Fields<ClusterRef>& target_fields() {
  static const auto fields =
      sdk::Fields<ClusterRef>()
          .title("huaweicloud.cdm.cluster target")
          .required("project_id", &ClusterRef::project_id,
                    plain_id("the project id (IAM project of the cluster's region)"))
          .required("cluster_id", &ClusterRef::cluster_id, plain_id("the CDM cluster's id"));
  return fields;
}

const sdk::Fields<WaitOption>& option_fields() {
  static const auto fields = wait_option_fields(
      "huaweicloud.cdm.cluster options",
      "poll the cluster until it reports status 900 (stopped) or the deadline passes; without it "
      "the stop ends once CDM accepted it");
  return fields;
}

}  // namespace stopd::huaweicloud::cdm
