#include "pod_sandbox_schemas.hpp"

namespace stopd::cri {

const sdk::Fields<IdTarget>& pod_sandbox_target_fields() {
  static const auto fields = sdk::Fields<IdTarget>()
                                 .title("cri.pod_sandbox target")
                                 .required("pod_sandbox_id", &IdTarget::id,
                                           id_rule("the pod sandbox's id: 64 lowercase hex "
                                                   "digits, or a unique prefix of at least 12"));
  return fields;
}

const sdk::Fields<NoOptions>& pod_sandbox_option_fields() {
  static const auto fields = sdk::Fields<NoOptions>().title("cri.pod_sandbox options (none)");
  return fields;
}

const sdk::Fields<PodSandboxSelector>& pod_sandbox_selector_fields() {
  using S = PodSandboxSelector;
  static const auto fields =
      sdk::Fields<S>()
          .title("cri.pod_sandbox selector")
          .describe(
              "Pod sandboxes matching every field given (AND); at least one field. Lists each as "
              "{pod_sandbox_id}.")
          .at_least_one()
          .optional("labels", &S::labels,
                    labels_rule("every label given must be set on the sandbox, with this value"))
          .optional("pod_name", &S::pod_name, name_rule("the pod's name (sandbox metadata)"))
          .optional("namespace", &S::pod_namespace,
                    name_rule("the pod's namespace (sandbox metadata)"))
          .optional("state", &S::state,
                    sdk::one_of({"ready", "notready", "any"})
                        .describe("the sandbox's state; default ready. any: both"));
  return fields;
}

}  // namespace stopd::cri
