// Health, reflection, ListProviders and DescribeProvider through the daemon.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>

#include "daemon_harness.hpp"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"

namespace stopd::e2e {
namespace {

TEST(DaemonProviders, HealthIsServingForTheServerAndTheStopService) {
  TestDaemon daemon;
  daemon.start();
  EXPECT_EQ(health_of(daemon.channel(), ""), Health::serving);
  EXPECT_EQ(health_of(daemon.channel(), "stopd.v1.StopService"), Health::serving);
}

TEST(DaemonProviders, HealthKnowsEachServiceAndRefusesOthersByName) {
  TestDaemon daemon;
  daemon.start();
  EXPECT_EQ(health_of(daemon.channel(), "stopd.v1.BatchService"), Health::serving);
  EXPECT_EQ(health_of(daemon.channel(), "stopd.v1.ScheduleService"), Health::serving);
  auto stub = grpc::health::v1::Health::NewStub(daemon.channel());
  grpc::health::v1::HealthCheckRequest request;
  request.set_service("no.such.Service");
  grpc::health::v1::HealthCheckResponse response;
  auto context = call_context();
  const grpc::Status status = stub->Check(context.get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << describe(status);
  EXPECT_TRUE(contains(status.error_message(), "'no.such.Service'")) << describe(status);
  EXPECT_TRUE(contains(status.error_message(), "stopd.v1.StopService")) << describe(status);
}

// A health checker that watches sees SERVING, then NOT_SERVING when the daemon drains, and its
// stream does not hold up the exit.
TEST(DaemonProviders, HealthWatchSeesTheDrainAndEndsWithTheDaemon) {
  TestDaemon daemon(json{{"drain_timeout_seconds", 1}});
  daemon.start();
  auto stub = grpc::health::v1::Health::NewStub(daemon.channel());
  auto context = call_context(std::chrono::seconds(30));
  grpc::health::v1::HealthCheckRequest request;
  auto stream = stub->Watch(context.get(), request);
  grpc::health::v1::HealthCheckResponse response;
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);

  daemon.process().send(SIGTERM);
  ASSERT_TRUE(stream->Read(&response)) << daemon.log();
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  EXPECT_FALSE(stream->Read(&response));
  const grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << describe(status);
  const auto code = daemon.process().wait_exit(std::chrono::seconds(15));
  ASSERT_TRUE(code.has_value()) << "stopd did not exit after SIGTERM\n" << daemon.log();
  EXPECT_EQ(*code, 0) << daemon.log();
}

// Every method is served synchronously (core/api/src/job_watch.hpp): one callback-API method
// makes gRPC start polling threads of its own ("nexting_thread") that hand each unary call to
// another thread, a wake-up on every Stop.
TEST(DaemonProviders, ServesWithoutTheCallbackApisPollingThreads) {
  TestDaemon daemon;
  daemon.start();
  std::vector<std::string> threads;
  for (const auto& task :
       fs::directory_iterator("/proc/" + std::to_string(daemon.process().pid()) + "/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    std::getline(comm, name);
    threads.push_back(name);
  }
  ASSERT_FALSE(threads.empty());
  EXPECT_EQ(std::count(threads.begin(), threads.end(), "nexting_thread"), 0)
      << "threads: " << testing::PrintToString(threads);
}

TEST(DaemonProviders, ReflectionListsTheStopService) {
  TestDaemon daemon;
  daemon.start();
  auto stub = grpc::reflection::v1alpha::ServerReflection::NewStub(daemon.channel());
  auto context = call_context();
  auto stream = stub->ServerReflectionInfo(context.get());
  grpc::reflection::v1alpha::ServerReflectionRequest request;
  request.set_list_services("");
  ASSERT_TRUE(stream->Write(request));
  grpc::reflection::v1alpha::ServerReflectionResponse response;
  ASSERT_TRUE(stream->Read(&response));
  std::vector<std::string> services;
  for (const auto& service : response.list_services_response().service())
    services.push_back(service.name());
  EXPECT_NE(std::find(services.begin(), services.end(), "stopd.v1.StopService"), services.end())
      << response.DebugString();

  // And the descriptors behind it, as grpcurl asks for them.
  request.set_file_containing_symbol("stopd.v1.StopService");
  ASSERT_TRUE(stream->Write(request));
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_GT(response.file_descriptor_response().file_descriptor_proto_size(), 0)
      << response.DebugString();
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
}

TEST(DaemonProviders, ListShowsLoadedProvidersAndRefusedPlugins) {
  const fs::path broken = STOPD_TEST_PLUGIN_DIR;
  TestDaemon daemon(json{{"plugins",
                          {(broken / "libstopd_test_abi_major.so").string(),
                           (broken / "libstopd_test_no_descriptor.so").string()}}});
  daemon.start();
  auto stub = daemon.stub();
  v1::ListProvidersResponse response;
  auto context = call_context();
  const grpc::Status status = stub->ListProviders(context.get(), {}, &response);
  ASSERT_TRUE(status.ok()) << describe(status);
  const v1::Provider* process = nullptr;
  for (const auto& provider : response.providers())
    if (provider.name() == "local.process") process = &provider;
  ASSERT_NE(process, nullptr) << response.DebugString();
  EXPECT_FALSE(process->version().empty());
  EXPECT_TRUE(contains(process->library(), "libstopd_process.so")) << process->library();
  EXPECT_TRUE(process->capabilities().asynchronous());
  EXPECT_TRUE(process->target_schema().fields().contains("properties"));
  EXPECT_GT(process->concurrency(), 0u);

  // The broken test plugins are refused, each with its file and the reason.
  ASSERT_EQ(response.refused_size(), 2) << response.DebugString();
  bool abi_refusal = false;
  for (const auto& refused : response.refused()) {
    EXPECT_FALSE(refused.reason().empty());
    if (contains(refused.file(), "abi_major")) abi_refusal = true;
  }
  EXPECT_TRUE(abi_refusal) << response.DebugString();
}

TEST(DaemonProviders, DescribeGivesSchemasAndUnknownNamesAreNotFound) {
  TestDaemon daemon;
  daemon.start();
  auto stub = daemon.stub();

  v1::DescribeProviderRequest request;
  request.set_name("local.process");
  v1::Provider provider;
  auto context = call_context();
  ASSERT_TRUE(stub->DescribeProvider(context.get(), request, &provider).ok());
  EXPECT_EQ(provider.name(), "local.process");
  const auto& properties = provider.target_schema().fields().at("properties").struct_value();
  EXPECT_TRUE(properties.fields().contains("pid")) << provider.DebugString();

  request.set_name("no.such.type");
  auto context2 = call_context();
  const grpc::Status missing = stub->DescribeProvider(context2.get(), request, &provider);
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::NOT_FOUND) << describe(missing);
  EXPECT_TRUE(contains(missing.error_message(), "local.process")) << describe(missing);

  request.set_name("");
  auto context3 = call_context();
  const grpc::Status empty = stub->DescribeProvider(context3.get(), request, &provider);
  EXPECT_EQ(empty.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << describe(empty);
  EXPECT_TRUE(contains(empty.error_message(), "name")) << describe(empty);
}

}  // namespace
}  // namespace stopd::e2e
