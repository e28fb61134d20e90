#include "schemas.hpp"

namespace stopd::huaweicloud::dlf {

const sdk::Fields<InstanceRef>& target_fields() {
  // Script names may hold Chinese and punctuation, so they are not restricted to a charset: any
  // text without control characters, percent-encoded as one path segment. "." and ".." alone are
  // refused, because servers and proxies normalise those segments away.
  static const auto fields =
      sdk::Fields<InstanceRef>()
          .title("huaweicloud.dlf.script_instance target")
          .required("project_id", &InstanceRef::project_id, plain_id("the project id"))
          .required("script_name", &InstanceRef::script_name,
                    sdk::text()
                        .pattern("^(?!\\.{1,2}$)[^\\x00-\\x1f\\x7f]+$")
                        .min_length(1)
                        .max_length(128)
                        .describe("the script's name (any text without control characters; not "
                                  "\".\" or \"..\")"))
          .required("instance_id", &InstanceRef::instance_id, plain_id("the script instance's id"))
          .optional("workspace", &InstanceRef::workspace,
                    plain_id("the workspace id (the workspace header); DLF's default workspace "
                             "when absent"));
  return fields;
}

const sdk::Fields<WaitOption>& option_fields() {
  static const auto fields = wait_option_fields(
      "huaweicloud.dlf.script_instance options",
      "poll the instance until it is FINISHED or FAILED, or the deadline passes");
  return fields;
}

}  // namespace stopd::huaweicloud::dlf
