// cri.container's and cri.pod_sandbox's targets, options and selectors, declared with sdk::Fields:
// the published schemas accept and refuse what the hand-written ones did (pinned sample by
// sample, at every bound), the parsers give the same answers, and a refusal names the field.
#include <gtest/gtest.h>

#include "plugins/cri/container/src/container_schemas.hpp"
#include "plugins/cri/pod-sandbox/src/pod_sandbox_schemas.hpp"
#include "stopd/core/json_schema.hpp"

namespace stopd::cri {
namespace {

using nlohmann::json;

struct Sample {
  json value;
  bool accepted;
};

std::string shown(const json& value) {
  const std::string text = value.dump();
  return text.size() > 100 ? text.substr(0, 97) + "..." : text;
}

template <class T>
void expect_answers(const sdk::Fields<T>& fields, const char* root,
                    const std::vector<Sample>& samples) {
  const core::JsonSchema schema(fields.schema());
  for (const auto& [value, accepted] : samples) {
    EXPECT_EQ(!schema.validate(value, root).has_value(), accepted)
        << "the " << root << " schema on " << shown(value);
    bool parsed = true;
    try {
      fields.parse(value, root);
    } catch (const sdk::StopError&) {
      parsed = false;
    }
    EXPECT_EQ(parsed, accepted) << "the " << root << " parser on " << shown(value);
  }
}

template <class T>
std::string refusal(const sdk::Fields<T>& fields, const json& value, const char* root) {
  try {
    fields.parse(value, root);
  } catch (const sdk::StopError& error) {
    EXPECT_EQ(error.code(), sdk::Code::invalid_argument);
    return error.what();
  }
  return "<accepted>";
}

std::vector<Sample> id_samples(const std::string& key) {
  return {
      {{{key, std::string(64, 'a')}}, true},
      {{{key, "0123456789ab"}}, true},
      {{{key, "0123456789a"}}, false},
      {{{key, std::string(65, 'a')}}, false},
      {{{key, "0123456789AB"}}, false},
      {{{key, "../../etc/passwd"}}, false},
      {{{key, std::string(100000, 'f')}}, false},
      {{{key, 42}}, false},
      {{{key, "0123456789ab"}, {"other", 1}}, false},
      {json::object(), false},
      {json::array(), false},
  };
}

std::vector<Sample> option_samples() {
  return {{json::object(), true}, {{{"wait", true}}, false}, {json::array(), false}};
}

// What both selectors share: labels, pod_name and namespace at their bounds.
std::vector<Sample> common_selector_samples() {
  json labels_64 = json::object();
  json labels_65 = json::object();
  for (int i = 0; i < 65; ++i) {
    if (i < 64) labels_64["k" + std::to_string(i)] = "v";
    labels_65["k" + std::to_string(i)] = "v";
  }
  return {
      {json::object(), false},
      {{{"labels", {{"app", "web"}}}}, true},
      {{{"labels", json::object()}}, true},
      {{{"labels", labels_64}}, true},
      {{{"labels", labels_65}}, false},
      {{{"labels", {{"", "web"}}}}, false},
      {{{"labels", {{std::string(317, 'k'), "web"}}}}, true},
      {{{"labels", {{std::string(318, 'k'), "web"}}}}, false},
      {{{"labels", {{"app", ""}}}}, true},
      {{{"labels", {{"app", std::string(4096, 'v')}}}}, true},
      {{{"labels", {{"app", std::string(4097, 'v')}}}}, false},
      {{{"labels", {{"app", 1}}}}, false},
      {{{"labels", "app=web"}}, false},
      {{{"pod_name", "shop"}}, true},
      {{{"pod_name", ""}}, false},
      {{{"pod_name", std::string(253, 'p')}}, true},
      {{{"pod_name", std::string(254, 'p')}}, false},
      {{{"namespace", "retail"}, {"pod_name", "shop"}}, true},
      {{{"namespace", ""}}, false},
      {{{"namespace", 7}}, false},
      {{{"state", "any"}}, true},
      {{{"state", "stopped"}}, false},
      {{{"state", 1}}, false},
      {{{"colour", "red"}}, false},
      {json::array(), false},
  };
}

TEST(CriSchemas, ContainerTargetOptionsAndSelector) {
  expect_answers(container_target_fields(), "target", id_samples("container_id"));
  expect_answers(container_target_fields(), "target",
                 {{{{"pod_sandbox_id", "0123456789ab"}}, false}});
  expect_answers(container_option_fields(), "options", option_samples());
  auto selectors = common_selector_samples();
  selectors.insert(selectors.end(), {
                                        {{{"state", "running"}}, true},
                                        {{{"state", "exited"}}, true},
                                        {{{"state", "created"}}, true},
                                        {{{"state", "unknown"}}, true},
                                        {{{"state", "ready"}}, false},
                                        {{{"name", "db"}}, true},
                                        {{{"name", ""}}, false},
                                        {{{"pod_sandbox_id", "0123456789ab"}}, true},
                                        {{{"pod_sandbox_id", "xyz"}}, false},
                                    });
  expect_answers(container_selector_fields(), "selector", selectors);
}

TEST(CriSchemas, PodSandboxTargetOptionsAndSelector) {
  expect_answers(pod_sandbox_target_fields(), "target", id_samples("pod_sandbox_id"));
  expect_answers(pod_sandbox_target_fields(), "target",
                 {{{{"container_id", "0123456789ab"}}, false}});
  expect_answers(pod_sandbox_option_fields(), "options", option_samples());
  auto selectors = common_selector_samples();
  selectors.insert(selectors.end(), {
                                        {{{"state", "ready"}}, true},
                                        {{{"state", "notready"}}, true},
                                        {{{"state", "running"}}, false},
                                        {{{"name", "db"}}, false},
                                        {{{"pod_sandbox_id", "0123456789ab"}}, false},
                                    });
  expect_answers(pod_sandbox_selector_fields(), "selector", selectors);
}

TEST(CriSchemas, RefusalsNameTheFieldAndWhatWasExpected) {
  EXPECT_EQ(refusal(container_target_fields(), {{"container_id", "ABC"}}, "target"),
            "target.container_id: expected a string matching ^[0-9a-f]{12,64}$ (the container's "
            "id: 64 lowercase hex digits, or a unique prefix of at least 12), got \"ABC\"");
  EXPECT_EQ(refusal(pod_sandbox_target_fields(), json::object(), "target"),
            "target.pod_sandbox_id: is required (the pod sandbox's id: 64 lowercase hex digits, "
            "or a unique prefix of at least 12)");
  EXPECT_EQ(refusal(container_selector_fields(), {{"state", "stopped"}}, "selector"),
            "selector.state: expected one of running, exited, created, unknown, any (the "
            "container's state; default running. any: every state), got \"stopped\"");
  EXPECT_EQ(refusal(pod_sandbox_selector_fields(), json::object(), "selector"),
            "selector: expected at least one of labels, pod_name, namespace, state, got {}");
  EXPECT_EQ(refusal(pod_sandbox_selector_fields(), {{"labels", {{"tier", 1}}}}, "selector"),
            "selector.labels[\"tier\"]: expected a string of at most 4096 characters, got 1");
  EXPECT_EQ(refusal(container_option_fields(), {{"wait", true}}, "options"),
            "options: unknown key \"wait\" (expected no keys)");
}

}  // namespace
}  // namespace stopd::cri
