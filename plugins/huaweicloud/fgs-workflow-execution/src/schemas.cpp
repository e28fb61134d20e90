#include "schemas.hpp"

#include "stopd/huaweicloud/provider_common.hpp"

namespace stopd::huaweicloud::fgs {
namespace {

// urn:fgs:<region>:<project>:graph:<name>…: the ':' are percent-encoded in the path.
constexpr char kUrnPattern[] = "^urn:fgs:[A-Za-z0-9:._-]{1,248}$";

constexpr char kTargetSchema[] = R"json({
  "$schema": "http://json-schema.org/draft-07/schema#",
  "title": "huaweicloud.fgs.workflow_execution target",
  "type": "object",
  "properties": {
    "project_id": {
      "description": "The project (tenant) id.",
      "type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
    },
    "graph_urn": {
      "description": "The workflow's URN, e.g. urn:fgs:cn-north-1:<project>:graph:video-analysis.",
      "type": "string", "pattern": "^urn:fgs:[A-Za-z0-9:._-]{1,248}$"
    },
    "execution_urn": {
      "description": "The execution's URN, e.g. urn:fgs:cn-north-1:<project>:execution:video-analysis:<name>:<id>.",
      "type": "string", "pattern": "^urn:fgs:[A-Za-z0-9:._-]{1,248}$"
    }
  },
  "required": ["project_id", "graph_urn", "execution_urn"],
  "additionalProperties": false
})json";

constexpr char kOptionsSchema[] = R"json({
  "$schema": "http://json-schema.org/draft-07/schema#",
  "title": "huaweicloud.fgs.workflow_execution options",
  "type": "object",
  "additionalProperties": false
})json";

}  // namespace

nlohmann::json target_schema() {
  return nlohmann::json::parse(kTargetSchema);
}

nlohmann::json options_schema() {
  return nlohmann::json::parse(kOptionsSchema);
}

const IdRule& graph_urn_rule() {
  static const IdRule rule("graph_urn", kUrnPattern,
                           "a FunctionGraph URN: urn:fgs: then letters, digits, ':', '.', '_', '-'",
                           256);
  return rule;
}

const IdRule& execution_urn_rule() {
  static const IdRule rule("execution_urn", kUrnPattern,
                           "a FunctionGraph URN: urn:fgs: then letters, digits, ':', '.', '_', '-'",
                           256);
  return rule;
}

}  // namespace stopd::huaweicloud::fgs
