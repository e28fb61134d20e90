#include "container_schemas.hpp"

namespace stopd::cri {

const sdk::Fields<IdTarget>& container_target_fields() {
  static const auto fields = sdk::Fields<IdTarget>()
                                 .title("cri.container target")
                                 .required("container_id", &IdTarget::id,
                                           id_rule("the container's id: 64 lowercase hex digits, "
                                                   "or a unique prefix of at least 12"));
  return fields;
}

const sdk::Fields<NoOptions>& container_option_fields() {
  static const auto fields = sdk::Fields<NoOptions>().title("cri.container options (none)");
  return fields;
}

const sdk::Fields<ContainerSelector>& container_selector_fields() {
  using S = ContainerSelector;
  static const auto fields =
      sdk::Fields<S>()
          .title("cri.container selector")
          .describe(
              "Containers matching every field given (AND); at least one field. Lists each as "
              "{container_id}.")
          .at_least_one()
          .optional("labels", &S::labels,
                    labels_rule("every label given must be set on the container, with this value"))
          .optional("pod_name", &S::pod_name,
                    name_rule("the name of the container's pod (sandbox metadata)"))
          .optional("namespace", &S::pod_namespace,
                    name_rule("the namespace of the container's pod (sandbox metadata)"))
          .optional("pod_sandbox_id", &S::pod_sandbox_id,
                    id_rule("the id of the container's pod sandbox"))
          .optional("name", &S::name, name_rule("the container's name (its metadata name)"))
          .optional("state", &S::state,
                    sdk::one_of({"running", "exited", "created", "unknown", "any"})
                        .describe("the container's state; default running. any: every state"));
  return fields;
}

}  // namespace stopd::cri
