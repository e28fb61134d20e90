#include "schemas.hpp"

#include "stopd/huaweicloud/provider_common.hpp"

namespace stopd::huaweicloud::dlf {
namespace {

// Script names may hold Chinese and punctuation, so they are not restricted to a charset: any
// text without control characters, percent-encoded as one path segment. "." and ".." alone are
// refused, because servers and proxies normalise those segments away.
constexpr char kScriptNamePattern[] = "^(?!\\.{1,2}$)[^\\x00-\\x1f\\x7f]+$";

constexpr char kTargetSchema[] = R"json({
  "$schema": "http://json-schema.org/draft-07/schema#",
  "title": "huaweicloud.dlf.script_instance target",
  "type": "object",
  "properties": {
    "project_id": {
      "description": "The project id.",
      "type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
    },
    "script_name": {
      "description": "The script's name (any text without control characters; not \".\" or \"..\").",
      "type": "string", "minLength": 1, "maxLength": 128, "pattern": "^(?!\\.{1,2}$)[^\\x00-\\x1f\\x7f]+$"
    },
    "instance_id": {
      "description": "The script instance's id.",
      "type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
    },
    "workspace": {
      "description": "The workspace id (the workspace header); DLF's default workspace when absent.",
      "type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
    }
  },
  "required": ["project_id", "script_name", "instance_id"],
  "additionalProperties": false
})json";

constexpr char kOptionsSchema[] = R"json({
  "$schema": "http://json-schema.org/draft-07/schema#",
  "title": "huaweicloud.dlf.script_instance options",
  "type": "object",
  "properties": {
    "wait": {
      "description": "Poll the instance until it is FINISHED or FAILED, or the deadline passes.",
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

const IdRule& script_name_rule() {
  // 128 characters of up to 4 UTF-8 bytes each.
  static const IdRule rule("script_name", kScriptNamePattern,
                           "a script name without control characters, not \".\" or \"..\"", 512);
  return rule;
}

const IdRule& instance_id_rule() {
  static const IdRule rule("instance_id", kPlainIdPattern,
                           "1-64 letters, digits, '-' or '_' (an instance id)", 64);
  return rule;
}

const IdRule& workspace_rule() {
  static const IdRule rule("workspace", kPlainIdPattern,
                           "1-64 letters, digits, '-' or '_' (a workspace id)", 64);
  return rule;
}

}  // namespace stopd::huaweicloud::dlf
