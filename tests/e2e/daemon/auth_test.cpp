// Auth end to end: a daemon whose unix socket needs a token too, and a TCP + TLS listener with a
// self-signed certificate made by the openssl CLI. Tokens given inline, from the environment,
// from a file and as a SHA-256. After every test, no token appears in the daemon's log or in the
// journal's files.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>

#include "daemon_harness.hpp"
#include "stopd/test/child_process.hpp"

namespace stopd::e2e {
namespace {

using stopd::test::spawn_child;

constexpr const char* kOps = "ops-SECRET-inline-7f3a9c2e";
constexpr const char* kCloud = "cloud-SECRET-env-51d0a8b4";
constexpr const char* kPidBot = "pidbot-SECRET-file-c93e1f07";
constexpr const char* kHashed = "hashed-SECRET-sha-2a6b8d19";
constexpr const char* kWrong = "wrong-SECRET-guess-e04f7a55";

class DaemonAuth : public ::testing::Test {
 protected:
  void SetUp() override {
    allowed_ = spawn_child({"--exit-on-term"});
    other_ = spawn_child({"--exit-on-term"});
    const Certificate certificate = make_self_signed_certificate(certs_.path());
    ca_pem_ = certificate.cert_pem;
    ::setenv("STOPD_TEST_CLOUD_TOKEN", kCloud, 1);
    write_file(daemon_.dir() / "pid-bot.token", std::string(kPidBot) + "\n");
    const auto hashed = run_stopd({"--hash-token"}, kHashed);
    ASSERT_EQ(hashed.exit_code, 0) << hashed.output;
    const std::string hashed_sha = hashed.output.substr(0, 64);

    daemon_.config().merge_patch(json{
        {"listen",
         {{"tcp", "127.0.0.1:0"},
          {"tls",
           {{"cert", certificate.cert_file.string()}, {"key", certificate.key_file.string()}}}}},
        {"auth",
         {{"unix_socket", "token"},
          {"tokens",
           {{{"name", "ops"}, {"token", kOps}, {"scopes", {{{"types", {"*"}}}}}},
            {{"name", "cloud-bot"},
             {"token", {{"env", "STOPD_TEST_CLOUD_TOKEN"}}},
             {"scopes", {{{"types", {"huaweicloud.*"}}}}}},
            {{"name", "pid-bot"},
             {"token", {{"file", "pid-bot.token"}}},
             {"scopes", {{{"types", {"local.process"}}, {"target", {{"pid", {allowed_.pid()}}}}}}}},
            {{"name", "hashed"},
             {"sha256", hashed_sha},
             {"scopes", {{{"types", {"local.process"}}}}}}}}}}});
    daemon_.start();
    const auto port = daemon_.tcp_port();
    ASSERT_TRUE(port.has_value()) << daemon_.log();
    tcp_ = v1::StopService::NewStub(tls_channel(*port, ca_pem_));
    tcp_channel_ = tls_channel(*port, ca_pem_);
    unix_ = daemon_.stub();
  }

  // Whatever the test did, no token reached the log or the journal.
  void TearDown() override {
    ::unsetenv("STOPD_TEST_CLOUD_TOKEN");
    if (!daemon_.process().running()) return;
    const auto code = daemon_.terminate(30s);
    EXPECT_EQ(code, std::optional<int>(0)) << daemon_.log();
    const std::string log = daemon_.log();
    std::string journal;
    for (const char* suffix : {"", "-wal", "-shm"})
      journal += read_file(daemon_.journal().string() + suffix);
    ASSERT_FALSE(journal.empty());
    for (const char* secret : {kOps, kCloud, kPidBot, kHashed, kWrong}) {
      EXPECT_FALSE(contains(log, secret)) << "the log holds the token " << secret;
      EXPECT_FALSE(contains(journal, secret)) << "the journal holds the token " << secret;
    }
  }

  grpc::Status stop(v1::StopService::Stub& stub, const v1::StopRequest& request,
                    const std::optional<std::string>& token, v1::Job* job = nullptr) {
    v1::Job ignored;
    auto context = call_context(kRpcTimeout, token);
    return stub.Stop(context.get(), request, job != nullptr ? job : &ignored);
  }

  TempDir certs_;
  TestDaemon daemon_;
  test::ChildProcess allowed_;
  test::ChildProcess other_;
  std::string ca_pem_;
  std::shared_ptr<grpc::Channel> tcp_channel_;
  std::unique_ptr<v1::StopService::Stub> tcp_;
  std::unique_ptr<v1::StopService::Stub> unix_;
};

TEST_F(DaemonAuth, MissingOrWrongTokensAreUnauthenticatedOnBothTransports) {
  for (auto* stub : {unix_.get(), tcp_.get()}) {
    const char* transport = stub == unix_.get() ? "unix" : "tcp";
    for (const std::optional<std::string>& token :
         {std::optional<std::string>(), std::optional<std::string>(kWrong),
          std::optional<std::string>("")}) {
      const std::string what = std::string(transport) + " token=" + (token ? "given" : "none");
      const grpc::Status status = stop(*stub, stop_pid(allowed_.pid(), 5.0), token);
      EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << what << describe(status);
      EXPECT_FALSE(contains(status.error_message(), kWrong)) << describe(status);

      v1::ListProvidersResponse providers;
      auto context = call_context(kRpcTimeout, token);
      EXPECT_EQ(stub->ListProviders(context.get(), {}, &providers).error_code(),
                grpc::StatusCode::UNAUTHENTICATED)
          << what;
      v1::ListJobsResponse jobs;
      auto context2 = call_context(kRpcTimeout, token);
      EXPECT_EQ(stub->ListJobs(context2.get(), {}, &jobs).error_code(),
                grpc::StatusCode::UNAUTHENTICATED)
          << what;
      v1::WatchJobRequest watch;
      watch.set_id("j-00000000000000000000000000");
      auto context3 = call_context(kRpcTimeout, token);
      auto reader = stub->WatchJob(context3.get(), watch);
      v1::JobEvent event;
      EXPECT_FALSE(reader->Read(&event));
      EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED) << what;
    }
  }
  EXPECT_TRUE(allowed_.running()) << "an unauthenticated call stopped the process";
  // The log says who was refused, never with what.
  EXPECT_TRUE(contains(daemon_.log(), "code=unauthenticated")) << daemon_.log();
  // Health needs no token, as every gRPC health checker expects.
  EXPECT_EQ(health_of(tcp_channel_), Health::serving);
  EXPECT_EQ(health_of(daemon_.channel()), Health::serving);
}

TEST_F(DaemonAuth, EveryKindOfTokenWorksOverTlsAndTheUnixSocket) {
  v1::Job job;
  grpc::Status status = stop(*tcp_, stop_pid(allowed_.pid(), 5.0, true), std::string(kOps), &job);
  ASSERT_TRUE(status.ok()) << describe(status);
  EXPECT_EQ(job.requester(), "ops");
  EXPECT_EQ(job.outcome().code(), "stopped");

  for (const char* token : {kOps, kHashed, kPidBot}) {
    // A stop of something already stopped: allowed, and already_stopped.
    status = stop(*unix_, stop_pid(allowed_.pid(), 5.0, true), std::string(token), &job);
    ASSERT_TRUE(status.ok()) << describe(status);
    EXPECT_EQ(job.outcome().code(), "already_stopped") << job.DebugString();
  }
  EXPECT_EQ(job.requester(), "pid-bot");
}

TEST_F(DaemonAuth, TokensOutOfScopeArePermissionDenied) {
  // By type: cloud-bot may stop huaweicloud.* only.
  grpc::Status status = stop(*tcp_, stop_pid(allowed_.pid(), 5.0), std::string(kCloud));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << describe(status);
  EXPECT_TRUE(contains(status.error_message(), "local.process")) << describe(status);
  // By target: pid-bot may stop one pid only.
  status = stop(*tcp_, stop_pid(other_.pid(), 5.0), std::string(kPidBot));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << describe(status);
  EXPECT_TRUE(contains(status.error_message(), "pid")) << describe(status);
  EXPECT_FALSE(contains(status.error_message(), kPidBot)) << describe(status);
  EXPECT_TRUE(allowed_.running());
  EXPECT_TRUE(other_.running());

  // pid-bot's own pid is fine; the job is pid-bot's.
  v1::Job job;
  status = stop(*tcp_, stop_pid(allowed_.pid(), 5.0, true), std::string(kPidBot), &job);
  ASSERT_TRUE(status.ok()) << describe(status);
  EXPECT_EQ(job.requester(), "pid-bot");

  // Jobs of types a token may not see do not exist for it.
  v1::GetJobRequest get;
  get.set_id(job.id());
  v1::Job seen;
  auto context = call_context(kRpcTimeout, std::string(kCloud));
  status = tcp_->GetJob(context.get(), get, &seen);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << describe(status);
  v1::CancelJobRequest cancel;
  cancel.set_id(job.id());
  auto context2 = call_context(kRpcTimeout, std::string(kCloud));
  status = tcp_->CancelJob(context2.get(), cancel, &seen);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << describe(status);
  v1::WatchJobRequest watch;
  watch.set_id(job.id());
  auto context3 = call_context(kRpcTimeout, std::string(kCloud));
  auto reader = tcp_->WatchJob(context3.get(), watch);
  v1::JobEvent event;
  EXPECT_FALSE(reader->Read(&event));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::NOT_FOUND);

  v1::ListJobsResponse listed;
  auto context4 = call_context(kRpcTimeout, std::string(kCloud));
  ASSERT_TRUE(tcp_->ListJobs(context4.get(), {}, &listed).ok());
  EXPECT_EQ(listed.jobs_size(), 0);
  v1::ListJobsRequest by_type;
  by_type.set_type("local.process");
  auto context5 = call_context(kRpcTimeout, std::string(kCloud));
  ASSERT_TRUE(tcp_->ListJobs(context5.get(), by_type, &listed).ok());
  EXPECT_EQ(listed.jobs_size(), 0);

  // Nor does a job of a type a token may stop, but of a target outside its scope: ops stops a
  // pid that pid-bot may not; pid-bot can neither see nor cancel that job, nor find it listed.
  auto running = spawn_child({"--ignore-term"});
  v1::Job ops_job;
  status = stop(*unix_, stop_pid(running.pid(), 60.0), std::string(kOps), &ops_job);
  ASSERT_TRUE(status.ok()) << describe(status);
  get.set_id(ops_job.id());
  auto context8 = call_context(kRpcTimeout, std::string(kPidBot));
  status = tcp_->GetJob(context8.get(), get, &seen);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << describe(status);
  cancel.set_id(ops_job.id());
  auto context9 = call_context(kRpcTimeout, std::string(kPidBot));
  status = tcp_->CancelJob(context9.get(), cancel, &seen);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << describe(status);
  auto context10 = call_context(kRpcTimeout, std::string(kPidBot));
  ASSERT_TRUE(tcp_->ListJobs(context10.get(), {}, &listed).ok());
  ASSERT_EQ(listed.jobs_size(), 1);
  EXPECT_EQ(listed.jobs(0).id(), job.id());
  auto context11 = call_context(kRpcTimeout, std::string(kOps));
  status = tcp_->CancelJob(context11.get(), cancel, &seen);
  EXPECT_TRUE(status.ok()) << describe(status);
  get.set_id(job.id());

  // ops sees everything.
  auto context6 = call_context(kRpcTimeout, std::string(kOps));
  ASSERT_TRUE(unix_->GetJob(context6.get(), get, &seen).ok());
  EXPECT_EQ(seen.requester(), "pid-bot");
  auto context7 = call_context(kRpcTimeout, std::string(kOps));
  ASSERT_TRUE(unix_->ListJobs(context7.get(), {}, &listed).ok());
  EXPECT_EQ(listed.jobs_size(), 2);
}

}  // namespace
}  // namespace stopd::e2e

namespace stopd::e2e {
namespace {

// listen.tls.client_ca + require_client_cert: only clients with a certificate from that CA get
// through the TLS handshake, and they still need a token.
TEST(DaemonTls, RequiredClientCertificatesAreVerified) {
  TempDir certs;
  const Certificate server = make_self_signed_certificate(certs.path(), "server");
  const Certificate client = make_self_signed_certificate(certs.path(), "client");
  const Certificate stranger = make_self_signed_certificate(certs.path(), "stranger");
  const std::string token = "tls-SECRET-token-6e1d";
  TestDaemon daemon(json{
      {"listen",
       {{"tcp", "127.0.0.1:0"},
        {"tls",
         {{"cert", server.cert_file.string()},
          {"key", server.key_file.string()},
          {"client_ca", client.cert_file.string()},
          {"require_client_cert", true}}}}},
      {"auth",
       {{"tokens", {{{"name", "ops"}, {"token", token}, {"scopes", {{{"types", {"*"}}}}}}}}}}});
  daemon.start();
  const auto port = daemon.tcp_port();
  ASSERT_TRUE(port.has_value()) << daemon.log();

  auto providers = [&](const std::shared_ptr<grpc::Channel>& channel) {
    auto stub = v1::StopService::NewStub(channel);
    v1::ListProvidersResponse response;
    auto context = call_context(5s, token);
    return stub->ListProviders(context.get(), {}, &response);
  };
  const grpc::Status anonymous = providers(tls_channel(*port, server.cert_pem));
  EXPECT_EQ(anonymous.error_code(), grpc::StatusCode::UNAVAILABLE) << describe(anonymous);
  const grpc::Status foreign =
      providers(tls_channel(*port, server.cert_pem, stranger.cert_pem, stranger.key_pem));
  EXPECT_EQ(foreign.error_code(), grpc::StatusCode::UNAVAILABLE) << describe(foreign);
  const grpc::Status known =
      providers(tls_channel(*port, server.cert_pem, client.cert_pem, client.key_pem));
  EXPECT_TRUE(known.ok()) << describe(known);
  // The unix socket is trusted here (the default) and needs neither.
  auto stub = daemon.stub();
  v1::ListProvidersResponse response;
  auto context = call_context();
  EXPECT_TRUE(stub->ListProviders(context.get(), {}, &response).ok());
}

}  // namespace
}  // namespace stopd::e2e
