#include "suite.hpp"

#include <spdlog/sinks/base_sink.h>

#include <boost/dll/shared_library.hpp>
#include <mutex>
#include <sstream>
#include <thread>

#include "stopd/core/host_config.hpp"
#include "stopd/core/logging.hpp"
#include "stopd/core/plugin_loader.hpp"
#include "stopd/sdk/outcome.hpp"

namespace stopd::conformance {
namespace {

using nlohmann::json;

// The host's log lines that mean a provider broke the contract although every outcome looked
// right: a second complete(), or a change callback that threw.
class ContractViolations final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::vector<std::string> take() {
    std::lock_guard lock(mutex_);
    return std::exchange(lines_, {});
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const std::string_view text(msg.payload.data(), msg.payload.size());
    if (text.find("more than once") != std::string_view::npos ||
        text.find("change callback threw") != std::string_view::npos)
      lines_.emplace_back(text);
  }
  void flush_() override {}

 private:
  std::vector<std::string> lines_;
};

std::shared_ptr<ContractViolations> contract_violations() {
  static const auto sink = [] {
    auto created = std::make_shared<ContractViolations>();
    created->set_level(spdlog::level::warn);
    auto logger = core::host_logger();
    logger->sinks().push_back(created);
    if (logger->level() > spdlog::level::warn) logger->set_level(spdlog::level::warn);
    return created;
  }();
  return sink;
}

using FixtureFactory = Fixture*();

FixtureFactory* fixture_factory() {
  // Loaded once and never unloaded: fixtures' code must outlive every fixture.
  static boost::dll::shared_library library;
  static FixtureFactory* factory = [] {
    const auto& path = suite_options().fixture;
    library.load(boost::dll::fs::path(path.string()),
                 boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
    if (!library.has("stopd_conformance_fixture_create"))
      throw std::runtime_error(path.string() +
                               " exports no stopd_conformance_fixture_create: add "
                               "STOPD_CONFORMANCE_FIXTURE(YourFixture) to one of its sources");
    return &library.get<FixtureFactory>("stopd_conformance_fixture_create");
  }();
  return factory;
}

std::string grace_text(const sdk::StopRequest& request) {
  if (request.mode == sdk::Mode::immediate) return "immediate";
  if (!request.grace) return "graceful, unbounded grace";
  return "graceful, grace " + std::to_string(request.grace->count()) + " ms";
}

}  // namespace

SuiteOptions& suite_options() {
  static SuiteOptions options;
  return options;
}

void prepare_suite() {
  auto& options = suite_options();
  for (const auto& [flag, file] :
       {std::pair{"--plugin ", options.plugin}, std::pair{"--fixture ", options.fixture}}) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec))
      throw std::runtime_error(flag + file.string() + ": no such file");
  }
  try {
    options.type = core::plugin_type_of(options.plugin);
  } catch (const std::exception& e) {
    throw std::runtime_error("--plugin " + options.plugin.string() + ": " + e.what());
  }
  try {
    fixture_factory();
  } catch (const std::exception& e) {
    throw std::runtime_error("--fixture " + options.fixture.string() + ": " + e.what());
  }
}

std::vector<std::string> isolation_modes() {
  return suite_options().isolation_modes;
}

std::string mode_name(const ::testing::TestParamInfo<std::string>& info) {
  return info.param;
}

std::string describe(const sdk::StopOutcome& outcome) {
  std::string text = std::string(sdk::to_string(outcome.code)) + " \"" + outcome.message + "\"";
  if (outcome.forced) text += " (forced)";
  return text;
}

void RuleTest::SetUp() {
  contract_violations()->take();  // what earlier tests left is theirs
  type_ = suite_options().type;
  fixture_.reset(fixture_factory()());
  json document = {{"plugin_dirs", json::array()},
                   {"plugins", {suite_options().plugin.string()}},
                   {"providers",
                    {{type_,
                      {{"settings", fixture_->settings()},
                       {"isolation", GetParam()},
                       {"max_concurrency", 64}}}}},
                   {"log_level", "warn"}};
  host_ = std::make_unique<core::Host>(core::parse_host_config(document, "/"), "");
  std::string refused;
  for (const auto& refusal : host_->load_report().refused)
    refused += "\n  " + refusal.file.string() + ": " + refusal.reason;
  ASSERT_NE(host_->registry().find(type_), nullptr)
      << "[loads] " << type_ << " did not load (" << GetParam() << ")" << refused;
}

void RuleTest::TearDown() {
  host_.reset();
  for (const auto& line : contract_violations()->take())
    ADD_FAILURE() << "[contract] the host logged a broken provider contract: " << line;
  fixture_.reset();
}

const sdk::ProviderInfo& RuleTest::info() const {
  return host_->registry().find(type_)->info;
}

Stop RuleTest::submit(const json& target, const StopSpec& spec) {
  Stop stop;
  stop.request.type = type_;
  stop.request.target = target;
  stop.request.options = fixture_->options();
  stop.request.mode = spec.mode;
  stop.request.grace = spec.grace;
  stop.request.dry_run = spec.dry_run;
  core::SubmitOptions options;
  stop.submitted = Clock::now();
  if (spec.deadline) options.deadline = stop.submitted + *spec.deadline;
  stop.ticket = host_->dispatcher().submit(stop.request, options);
  return stop;
}

core::StopResult RuleTest::wait(const Stop& stop, std::chrono::milliseconds bound,
                                const char* rule) {
  if (!stop.ticket->wait_for(bound)) {
    ADD_FAILURE() << "[" << rule << "] " << type_ << " " << stop.request.target.dump() << " "
                  << grace_text(stop.request) << ": no result after " << bound.count() << " ms";
    stop.ticket->cancel();
    stop.ticket->wait_for(kSlack);
    core::StopResult none;
    none.outcome = sdk::StopOutcome::make(sdk::Code::internal, "no result");
    return none;
  }
  core::StopResult result = stop.ticket->wait();
  // A provider may fail only through StopError (or an outcome); anything else it throws reaches
  // the caller as `internal` with the host's "threw" message.
  if (result.outcome.code == sdk::Code::internal &&
      result.outcome.message.find(" threw") != std::string::npos)
    ADD_FAILURE() << describe("only StopError escapes", stop, result);
  return result;
}

core::StopResult RuleTest::stop(const json& target, const StopSpec& spec, const char* rule) {
  const auto bound =
      (spec.deadline ? *spec.deadline : spec.grace.value_or(30s)) + graceful_time() + kSlack;
  return wait(submit(target, spec), std::chrono::duration_cast<std::chrono::milliseconds>(bound),
              rule);
}

bool RuleTest::running(const json& target, const char* rule) {
  if (auto answer = fixture_->is_running(target)) return *answer;
  try {
    const auto inspection = host_->registry().find(type_)->provider->inspect(target);
    using State = sdk::Inspection::State;
    return inspection.state == State::running || inspection.state == State::stopping;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "[" << rule << "] cannot tell whether " << target.dump()
                  << " runs: the fixture's is_running() returned nullopt and " << type_
                  << "'s inspect() failed: " << e.what();
    return false;
  }
}

bool RuleTest::providers_returned(std::chrono::milliseconds bound) {
  const auto until = Clock::now() + bound;
  while (host_->dispatcher().in_flight() != 0) {
    if (Clock::now() >= until) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

std::string RuleTest::describe(const char* rule, const Stop& stop,
                               const core::StopResult& result) const {
  std::ostringstream text;
  const auto took = std::chrono::duration<double>(Clock::now() - stop.submitted).count();
  text << "[" << rule << "] " << type_ << " " << stop.request.target.dump() << " "
       << grace_text(stop.request) << (stop.request.dry_run ? ", dry run" : "") << ": got "
       << conformance::describe(result.outcome) << " after " << took << " s";
  return text.str();
}

}  // namespace stopd::conformance
