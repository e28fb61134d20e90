#include "schemas.hpp"

#include "stopd/huaweicloud/provider_common.hpp"

namespace stopd::huaweicloud::cdm {
namespace {

// Project and cluster ids are hex strings or UUIDs; nothing else needs to reach a path.

constexpr char kTargetSchema[] = R"json({
  "$schema": "http://json-schema.org/draft-07/schema#",
  "title": "huaweicloud.cdm.cluster target",
  "type": "object",
  "properties": {
    "project_id": {
      "description": "The project id (IAM project of the cluster's region).",
      "type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
    },
    "cluster_id": {
      "description": "The CDM cluster's id.",
      "type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
    }
  },
  "required": ["project_id", "cluster_id"],
  "additionalProperties": false
})json";

constexpr char kOptionsSchema[] = R"json({
  "$schema": "http://json-schema.org/draft-07/schema#",
  "title": "huaweicloud.cdm.cluster options",
  "type": "object",
  "properties": {
    "wait": {
      "description": "Poll the cluster until it reports status 900 (stopped) or the deadline passes. Without it the stop ends once CDM accepted it.",
      "type": "boolean"
    }
  },
  "additionalProperties": false
})json";

}  // namespace

nlohmann::json target_schema() {
  return nlohmann::json::parse(kTargetSchema);
}

nlohmann::json options_schema() {
  return nlohmann::json::parse(kOptionsSchema);
}

const IdRule& cluster_id_rule() {
  static const IdRule rule("cluster_id", kPlainIdPattern,
                           "1-64 letters, digits, '-' or '_' (a cluster id)", 64);
  return rule;
}

}  // namespace stopd::huaweicloud::cdm
