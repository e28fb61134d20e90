#include "pod_sandbox_schemas.hpp"

#include "stopd/cri/cri_ids.hpp"

namespace stopd::cri {

nlohmann::json pod_sandbox_target_schema() {
  return {
      {"$schema", "http://json-schema.org/draft-07/schema#"},
      {"title", "cri.pod_sandbox target"},
      {"type", "object"},
      {"properties",
       {{"pod_sandbox_id",
         {{"description",
           "The pod sandbox's id: 64 lowercase hex digits, or a unique prefix of at least 12."},
          {"type", "string"},
          {"pattern", kIdPattern}}}}},
      {"required", {"pod_sandbox_id"}},
      {"additionalProperties", false},
  };
}

nlohmann::json pod_sandbox_options_schema() {
  return {{"$schema", "http://json-schema.org/draft-07/schema#"},
          {"title", "cri.pod_sandbox options (none)"},
          {"type", "object"},
          {"additionalProperties", false}};
}

nlohmann::json pod_sandbox_selector_schema() {
  const auto name = [](const char* description) {
    return nlohmann::json{
        {"description", description}, {"type", "string"}, {"minLength", 1}, {"maxLength", 253}};
  };
  return {
      {"$schema", "http://json-schema.org/draft-07/schema#"},
      {"title", "cri.pod_sandbox selector"},
      {"description",
       "Pod sandboxes matching every field given (AND); at least one field. Lists each as "
       "{pod_sandbox_id}."},
      {"type", "object"},
      {"properties",
       {{"labels",
         {{"description", "Every label given must be set on the sandbox, with this value."},
          {"type", "object"},
          {"maxProperties", 64},
          {"additionalProperties", {{"type", "string"}, {"maxLength", 4096}}},
          {"propertyNames", {{"minLength", 1}, {"maxLength", 317}}}}},
        {"pod_name", name("The pod's name (sandbox metadata).")},
        {"namespace", name("The pod's namespace (sandbox metadata).")},
        {"state",
         {{"description", "The sandbox's state; default ready. any: both."},
          {"enum", {"ready", "notready", "any"}}}}}},
      {"additionalProperties", false},
      {"minProperties", 1},
  };
}

}  // namespace stopd::cri
