#include "schemas.hpp"

namespace stopd::huaweicloud::fgs {
namespace {

// urn:fgs:<region>:<project>:graph:<name>…: the ':' are percent-encoded in the path.
sdk::TextRule urn(std::string what) {
  return sdk::text().pattern("^urn:fgs:[A-Za-z0-9:._-]{1,248}$").describe(std::move(what));
}

struct NoOptions {};

}  // namespace

const sdk::Fields<ExecutionRef>& target_fields() {
  static const auto fields =
      sdk::Fields<ExecutionRef>()
          .title("huaweicloud.fgs.workflow_execution target")
          .required("project_id", &ExecutionRef::project_id, plain_id("the project (tenant) id"))
          .required(
              "graph_urn", &ExecutionRef::graph_urn,
              urn("the workflow's URN, e.g. urn:fgs:cn-north-1:<project>:graph:video-analysis"))
          .required("execution_urn", &ExecutionRef::execution_urn,
                    urn("the execution's URN, e.g. "
                        "urn:fgs:cn-north-1:<project>:execution:video-analysis:<name>:<id>"));
  return fields;
}

nlohmann::json options_schema() {
  static const auto fields =
      sdk::Fields<NoOptions>().title("huaweicloud.fgs.workflow_execution options");
  return fields.schema();
}

}  // namespace stopd::huaweicloud::fgs
