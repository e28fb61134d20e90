// What local.process refuses, and what it publishes: invalid targets and options (each naming the
// field), targets that include this very process, settings, and the schemas the host validates
// requests against.
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <future>
#include <thread>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "process_test_fixture.hpp"
#include "stopd/sdk/plugin.hpp"
#include "stopd/test/requirement.hpp"

namespace stopd::process::testing {
namespace {

using sdk::Code;

using ValidationTest = ProcessProviderTest;

sdk::StopOutcome outcome_of(ProcessProvider& provider, const nlohmann::json& target,
                            const nlohmann::json& options = nlohmann::json::object()) {
  auto context = RecordingContext::with_grace(5s);
  sdk::StopRequest request;
  request.type = "local.process";
  request.target = target;
  request.options = options;
  provider.start(request, context);
  const auto outcome = context->wait_outcome(kOutcomeTimeout);
  EXPECT_TRUE(outcome.has_value());
  EXPECT_EQ(context->complete_calls(), 1);
  return outcome.value_or(sdk::StopOutcome{});
}

TEST_F(ValidationTest, InvalidTargetsNameTheField) {
  const std::vector<std::pair<nlohmann::json, std::string>> cases = {
      {nlohmann::json::object(), "target: needs exactly one of pid, pgid, pidfile, cgroup"},
      {nlohmann::json::array(), "target: must be an object"},
      {{{"pid", 1}, {"pgid", 2}},
       "target: needs exactly one of pid, pgid, pidfile, cgroup (found pgid, pid)"},
      {{{"pid", "12"}}, "target.pid: must be an integer"},
      {{{"pid", 0}}, "target.pid: 0 is out of range"},
      {{{"pid", -4}}, "target.pid: -4 is out of range"},
      {{{"pid", 1.5}}, "target.pid: must be an integer"},
      {{{"pgid", 99999999}}, "target.pgid: 99999999 is out of range"},
      {{{"pgid", 5}, {"start_time", 1}}, "target.start_time: only valid with pid or pidfile"},
      {{{"cgroup", "/sys/fs/cgroup/x"}, {"start_time", 1}},
       "target.start_time: only valid with pid or pidfile"},
      {{{"pid", 5}, {"start_time", -1}}, "target.start_time: must be a non-negative integer"},
      {{{"pid", 5}, {"start_time", "1"}}, "target.start_time: must be a non-negative integer"},
      {{{"pidfile", "run/x.pid"}}, "target.pidfile: \"run/x.pid\" is not an absolute path"},
      {{{"pidfile", 7}}, "target.pidfile: must be a string"},
      {{{"cgroup", "sys/fs/cgroup"}}, "target.cgroup: \"sys/fs/cgroup\" is not an absolute path"},
      {{{"cgroup", "/tmp"}}, "target.cgroup: /tmp is not on a cgroup filesystem"},
      {{{"pid", 5}, {"name", "x"}}, "target.name: unknown field"},
  };
  for (const auto& [target, message] : cases) {
    const auto outcome = outcome_of(provider(), target);
    EXPECT_EQ(outcome.code, Code::invalid_argument) << target.dump() << ": " << describe(outcome);
    EXPECT_NE(outcome.message.find(message), std::string::npos)
        << target.dump() << ": " << outcome.message;
  }
  EXPECT_EQ(provider().loop_thread_tid(), 0) << "a rejected request must not start the loop";
}

TEST_F(ValidationTest, InvalidOptionsNameTheField) {
  auto& child = spawn({});
  const std::vector<std::pair<nlohmann::json, std::string>> cases = {
      {{{"signal", "SIGFOO"}}, "options.signal"},
      {{{"signal", 0}}, "options.signal"},
      {{{"signal", 65}}, "options.signal"},
      {{{"signal", 32}}, "options.signal"},
      {{{"signal", true}}, "options.signal"},
      {{{"signal", "RTMIN+99"}}, "options.signal"},
      {{{"grace", 5}}, "options.grace: unknown option"},
  };
  for (const auto& [options, field] : cases) {
    const auto outcome = outcome_of(provider(), {{"pid", child.pid()}}, options);
    EXPECT_EQ(outcome.code, Code::invalid_argument) << options.dump() << ": " << describe(outcome);
    EXPECT_NE(outcome.message.find(field), std::string::npos) << outcome.message;
  }
  EXPECT_TRUE(child.running());
}

TEST_F(ValidationTest, SignalSpellingsAreAccepted) {
  for (const nlohmann::json& signal :
       {nlohmann::json("SIGTERM"), nlohmann::json("TERM"), nlohmann::json("term"),
        nlohmann::json(15), nlohmann::json("15")}) {
    auto& child = spawn({"--exit-on-term"});
    const auto outcome = outcome_of(provider(), {{"pid", child.pid()}}, {{"signal", signal}});
    EXPECT_EQ(outcome.code, Code::stopped) << signal.dump() << ": " << describe(outcome);
    EXPECT_EQ(signal_names(outcome), std::vector<std::string>{"SIGTERM"}) << signal.dump();
  }
}

TEST_F(ValidationTest, ThisProcessIsNeverSignalled) {
  const auto own = outcome_of(provider(), {{"pid", ::getpid()}});
  EXPECT_EQ(own.code, Code::failed_precondition) << describe(own);
  EXPECT_NE(own.message.find("pid " + std::to_string(::getpid()) + " is stopd's own process"),
            std::string::npos)
      << own.message;

  const auto init = outcome_of(provider(), {{"pid", 1}});
  EXPECT_EQ(init.code, Code::failed_precondition) << describe(init);

  // A thread of this process, named by its task id.
  std::promise<pid_t> tid;
  std::atomic<bool> done{false};
  std::thread thread([&] {
    tid.set_value(static_cast<pid_t>(::syscall(SYS_gettid)));
    while (!done) std::this_thread::sleep_for(1ms);
  });
  const pid_t thread_id = tid.get_future().get();
  const auto thread_outcome = outcome_of(provider(), {{"pid", thread_id}});
  done = true;
  thread.join();
  EXPECT_EQ(thread_outcome.code, Code::failed_precondition) << describe(thread_outcome);
  EXPECT_NE(thread_outcome.message.find("own process"), std::string::npos)
      << thread_outcome.message;
}

TEST_F(ValidationTest, KernelThreadIsRefused) {
  // kthreadd is pid 2 in the initial pid namespace.
  STOPD_REQUIRE_OR_SKIP(stopd::test::comm_of(2) == "kthreadd",
                        "pid 2 is kthreadd (the initial pid namespace)");
  const auto outcome = outcome_of(provider(), {{"pid", 2}});
  EXPECT_EQ(outcome.code, Code::failed_precondition) << describe(outcome);
  EXPECT_NE(outcome.message.find("kernel thread"), std::string::npos) << outcome.message;
}

TEST_F(ValidationTest, SettingsAreValidated) {
  const auto logger = std::make_shared<stopd::test::RecordingLogger>();
  EXPECT_THROW(ProcessProvider(sdk::ProviderConfig{{{"stop_signal", "SIGNOPE"}}, logger}),
               std::invalid_argument);
  EXPECT_THROW(ProcessProvider(sdk::ProviderConfig{{{"stop_signal", 0}}, logger}),
               std::invalid_argument);
  EXPECT_EQ(ProcessProvider(sdk::ProviderConfig{{{"stop_signal", "INT"}}, logger}).stop_signal(),
            SIGINT);
  EXPECT_EQ(ProcessProvider(sdk::ProviderConfig{{{"stop_signal", 10}}, logger}).stop_signal(),
            SIGUSR1);
  EXPECT_EQ(ProcessProvider(sdk::ProviderConfig{{}, logger}).stop_signal(), SIGTERM);
}

TEST_F(ValidationTest, InfoDescribesTheProvider) {
  // What the host fills into info() from the descriptor: name, version, description and the
  // capabilities the overrides imply.
  constexpr auto descriptor = sdk::detail::make_descriptor<ProcessProvider>();
  EXPECT_STREQ(descriptor.name, "local.process");
  EXPECT_STREQ(descriptor.version, "1.0.0");
  EXPECT_STRNE(descriptor.description, "");
  EXPECT_EQ(descriptor.overrides,
            sdk::kOverridesStart | sdk::kOverridesInspect | sdk::kOverridesList);
  const auto info = provider().info();
  EXPECT_TRUE(info.capabilities.drain);
  EXPECT_EQ(info.default_concurrency, 100000u);
}

// The schemas as the host uses them: parsed as draft 7 by valijson, then applied.
class SchemaChecker {
 public:
  explicit SchemaChecker(const nlohmann::json& schema_json) {
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    valijson::adapters::NlohmannJsonAdapter adapter(schema_json);
    parser.populateSchema(adapter, schema_);
  }
  bool accepts(const nlohmann::json& document) const {
    valijson::Validator validator;
    valijson::adapters::NlohmannJsonAdapter adapter(document);
    return validator.validate(schema_, adapter, nullptr);
  }

 private:
  valijson::Schema schema_;
};

TEST_F(ValidationTest, TargetSchemaAcceptsExactlyTheDocumentedShapes) {
  const SchemaChecker schema(provider().info().target_schema);
  for (const nlohmann::json& good :
       {nlohmann::json{{"pid", 42}}, nlohmann::json{{"pid", 42}, {"start_time", 123}},
        nlohmann::json{{"pgid", 7}}, nlohmann::json{{"pidfile", "/run/x.pid"}},
        nlohmann::json{{"pidfile", "/run/x.pid"}, {"start_time", 0}},
        nlohmann::json{{"cgroup", "/sys/fs/cgroup/unified/x"}}})
    EXPECT_TRUE(schema.accepts(good)) << good.dump();
  for (const nlohmann::json& bad :
       {nlohmann::json::object(), nlohmann::json{{"pid", 1}, {"pgid", 2}},
        nlohmann::json{{"pgid", 1}, {"start_time", 2}},
        nlohmann::json{{"cgroup", "/x"}, {"start_time", 2}}, nlohmann::json{{"pid", "1"}},
        nlohmann::json{{"pid", 0}}, nlohmann::json{{"pid", 1}, {"other", 1}},
        nlohmann::json{{"pidfile", "relative"}}, nlohmann::json{{"pid", 1}, {"start_time", -1}}})
    EXPECT_FALSE(schema.accepts(bad)) << bad.dump();
}

TEST_F(ValidationTest, OptionsSelectorAndSettingsSchemas) {
  const auto info = provider().info();
  const SchemaChecker options(info.options_schema);
  EXPECT_TRUE(options.accepts({{"signal", "SIGTERM"}}));
  EXPECT_TRUE(options.accepts({{"signal", 15}}));
  EXPECT_TRUE(options.accepts(nlohmann::json::object()));
  EXPECT_FALSE(options.accepts({{"signal", 0}}));
  EXPECT_FALSE(options.accepts({{"signal", "SIG TERM"}}));
  EXPECT_FALSE(options.accepts({{"grace", 1}}));

  const SchemaChecker selector(info.selector_schema);
  EXPECT_TRUE(selector.accepts({{"comm", "nginx"}}));
  EXPECT_TRUE(selector.accepts({{"pgid", 5}}));
  EXPECT_TRUE(selector.accepts({{"cgroup", "/sys/fs/cgroup/x"}}));
  EXPECT_FALSE(selector.accepts(nlohmann::json::object()));
  EXPECT_FALSE(selector.accepts({{"comm", "x"}, {"pgid", 1}}));
  EXPECT_FALSE(selector.accepts({{"comm", "a-name-longer-than-15"}}));

  const SchemaChecker settings(nlohmann::json::parse(ProcessProvider::kConfigSchema));
  EXPECT_TRUE(settings.accepts({{"stop_signal", "TERM"}}));
  EXPECT_TRUE(settings.accepts(nlohmann::json::object()));
  EXPECT_FALSE(settings.accepts({{"stop_signal", true}}));
  EXPECT_FALSE(settings.accepts({{"signal", "TERM"}}));
}

}  // namespace
}  // namespace stopd::process::testing
