#include "container_schemas.hpp"

#include "stopd/cri/cri_ids.hpp"

namespace stopd::cri {

nlohmann::json container_target_schema() {
  return {
      {"$schema", "http://json-schema.org/draft-07/schema#"},
      {"title", "cri.container target"},
      {"type", "object"},
      {"properties",
       {{"container_id",
         {{"description",
           "The container's id: 64 lowercase hex digits, or a unique prefix of at least 12."},
          {"type", "string"},
          {"pattern", kIdPattern}}}}},
      {"required", {"container_id"}},
      {"additionalProperties", false},
  };
}

nlohmann::json container_options_schema() {
  return {{"$schema", "http://json-schema.org/draft-07/schema#"},
          {"title", "cri.container options (none)"},
          {"type", "object"},
          {"additionalProperties", false}};
}

nlohmann::json container_selector_schema() {
  const nlohmann::json label_map = {
      {"description", "Every label given must be set on the container, with this value."},
      {"type", "object"},
      {"maxProperties", 64},
      {"additionalProperties", {{"type", "string"}, {"maxLength", 4096}}},
      {"propertyNames", {{"minLength", 1}, {"maxLength", 317}}}};
  const auto name = [](const char* description) {
    return nlohmann::json{
        {"description", description}, {"type", "string"}, {"minLength", 1}, {"maxLength", 253}};
  };
  return {
      {"$schema", "http://json-schema.org/draft-07/schema#"},
      {"title", "cri.container selector"},
      {"description",
       "Containers matching every field given (AND); at least one field. Lists each as "
       "{container_id}."},
      {"type", "object"},
      {"properties",
       {{"labels", label_map},
        {"pod_name", name("The name of the container's pod (sandbox metadata).")},
        {"namespace", name("The namespace of the container's pod (sandbox metadata).")},
        {"pod_sandbox_id",
         {{"description", "The id of the container's pod sandbox."},
          {"type", "string"},
          {"pattern", kIdPattern}}},
        {"name", name("The container's name (its metadata name).")},
        {"state",
         {{"description", "The container's state; default running. any: every state."},
          {"enum", {"running", "exited", "created", "unknown", "any"}}}}}},
      {"additionalProperties", false},
      {"minProperties", 1},
  };
}

}  // namespace stopd::cri
