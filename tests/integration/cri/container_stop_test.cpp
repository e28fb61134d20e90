// cri.container stopping real containers of a private containerd: what is particular to the CRI
// (exit codes and timeouts in the details, no StopContainer for an exited container, hostile ids,
// threads). The rules every provider keeps (forced at force_at, escalation, cancellation, repeat
// and missing stops) are the conformance suite's: tests/conformance, conformance.cri_container.

#include "provider_fixture.hpp"
#include "stopd/test/process_probe.hpp"

namespace stopd::cri_test {
namespace {

class ContainerStopTest : public CriTest {
 protected:
  void SetUp() override {
    CriTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    provider_ = std::make_unique<cri::ContainerProvider>(config_for(containerd().endpoint()));
  }
  std::string start(const std::vector<std::string>& command) {
    const Pod pod = run_pod(containerd(), "container-stop");
    return start_container(containerd(), pod, "main", command);
  }
  json target(const std::string& id) const { return {{"container_id", id}}; }

  std::unique_ptr<cri::ContainerProvider> provider_;
};

TEST_F(ContainerStopTest, ContainerThatExitsOnSigtermStopsQuicklyWithExitCodeZero) {
  const std::string id = start(exits_on_sigterm());
  auto context = test::RecordingContext::with_grace(10s);
  const auto [outcome, elapsed] =
      run_stop(*provider_, graceful("cri.container", target(id), 10s), context);

  EXPECT_EQ(outcome.code, sdk::Code::stopped) << describe(outcome);
  EXPECT_FALSE(outcome.forced) << describe(outcome);
  EXPECT_EQ(outcome.details.value("exit_code", -1), 0) << describe(outcome);
  EXPECT_EQ(outcome.details.value("timeout_seconds", -1), 10) << describe(outcome);
  EXPECT_FALSE(outcome.details.value("finished_at", std::string()).empty()) << describe(outcome);
  EXPECT_LT(elapsed, 5s) << "a container that exits on SIGTERM must not wait out the grace";
  const auto after = container_status(containerd(), id);
  EXPECT_EQ(after.state(), v1::CONTAINER_EXITED);
  EXPECT_EQ(after.exit_code(), 0);
}

TEST_F(ContainerStopTest, ImmediateStopKillsAtOnce) {
  const std::string id = start(ignores_sigterm());
  auto context = test::RecordingContext::immediate(30s);
  const auto [outcome, elapsed] =
      run_stop(*provider_, immediate("cri.container", target(id)), context);

  EXPECT_EQ(outcome.code, sdk::Code::stopped) << describe(outcome);
  EXPECT_TRUE(outcome.forced) << describe(outcome);
  EXPECT_EQ(outcome.details.value("exit_code", -1), 137) << describe(outcome);
  EXPECT_EQ(outcome.details.value("timeout_seconds", -1), 0) << describe(outcome);
  EXPECT_LT(elapsed, 3s);
}

TEST_F(ContainerStopTest, StoppingAStoppedContainerIsAlreadyStoppedWithoutAStopCall) {
  const std::string id = start(ignores_sigterm());
  auto first = test::RecordingContext::immediate(30s);
  ASSERT_EQ(run_stop(*provider_, immediate("cri.container", target(id)), first).outcome.code,
            sdk::Code::stopped);

  auto second = test::RecordingContext::with_grace(10s);
  const auto [outcome, elapsed] =
      run_stop(*provider_, graceful("cri.container", target(id), 10s), second);
  EXPECT_EQ(outcome.code, sdk::Code::already_stopped) << describe(outcome);
  EXPECT_EQ(outcome.details.value("exit_code", -1), 137) << describe(outcome);
  EXPECT_EQ(outcome.details.value("state", std::string()), "exited");
  for (const auto& event : second->progress_events())
    EXPECT_NE(event.phase, "stopping") << "StopContainer was sent for an exited container";
  EXPECT_LT(elapsed, 2s);
}

TEST_F(ContainerStopTest, UnknownIdIsNotFound) {
  auto context = test::RecordingContext::with_grace(10s);
  const std::string id = unknown_id();
  const auto [outcome, elapsed] =
      run_stop(*provider_, graceful("cri.container", target(id), 10s), context);
  EXPECT_EQ(outcome.code, sdk::Code::not_found) << describe(outcome);
  EXPECT_NE(outcome.message.find(id), std::string::npos) << outcome.message;
}

TEST_F(ContainerStopTest, IdThatIsNotHexIsRefusedBeforeTheRuntimeSeesIt) {
  const std::vector<std::string> hostile = {"../../etc/passwd", "ABCDEF0123456789", "abc",
                                            std::string(65, 'a'), std::string(100000, 'f')};
  for (const auto& bad : hostile) {
    auto context = test::RecordingContext::with_grace(10s);
    const auto [outcome, elapsed] =
        run_stop(*provider_, graceful("cri.container", target(bad), 10s), context);
    EXPECT_EQ(outcome.code, sdk::Code::invalid_argument) << describe(outcome);
    EXPECT_NE(outcome.message.find("container_id"), std::string::npos) << outcome.message;
  }
}

TEST_F(ContainerStopTest, FiftyConcurrentStopsNeedNoThreadEach) {
  // One pod each: containerd 1.6.20's shim handles concurrent kills of many containers of one pod
  // so slowly (20 at once: ~20 s; 50: over two minutes) that it would measure the shim, not us.
  std::vector<std::string> ids;
  for (int i = 0; i < 50; ++i)
    ids.push_back(start_container(containerd(), run_pod(containerd(), "many"),
                                  "c" + std::to_string(i), ignores_sigterm()));
  const std::size_t threads_before = test::thread_count();
  std::vector<std::shared_ptr<test::RecordingContext>> contexts;
  std::size_t most_threads = threads_before;
  for (const auto& id : ids) {
    contexts.push_back(test::RecordingContext::immediate(120s));
    provider_->start(immediate("cri.container", target(id)), contexts.back());
    most_threads = std::max(most_threads, test::thread_count());
  }
  for (const auto& context : contexts) {
    const auto outcome = context->wait_outcome(120s);
    ASSERT_TRUE(outcome.has_value());
    EXPECT_EQ(outcome->code, sdk::Code::stopped) << describe(*outcome);
    most_threads = std::max(most_threads, test::thread_count());
  }
  // gRPC's own pollers and executor, not one thread per stop.
  EXPECT_LT(most_threads - threads_before, 20u)
      << "threads grew from " << threads_before << " to " << most_threads;
}

}  // namespace
}  // namespace stopd::cri_test
