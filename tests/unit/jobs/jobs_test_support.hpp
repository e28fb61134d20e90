// Shared by the jobs tests: temporary journal directories, fully populated jobs, and a provider
// that holds its stops until released or cancelled.
#pragma once

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "stopd/core/job.hpp"
#include "stopd/core/logging.hpp"
#include "stopd/jobs/job_store.hpp"
#include "stopd/sdk/provider.hpp"
#include "test_providers.hpp"

namespace stopd::test {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "stopd-jobs.XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path journal() const { return path_ / "journal.db"; }

 private:
  std::filesystem::path path_;
};

inline core::Job::Time at_ms(std::int64_t ms) {
  return core::Job::Time(std::chrono::milliseconds(ms));
}

// A job with every field set to something other than its default.
inline core::Job full_job(std::string id, std::int64_t created_ms = 1'700'000'000'123) {
  core::Job job;
  job.id = std::move(id);
  job.state = core::JobState::finished;
  job.request.type = "t.sync";
  job.request.target = {{"id", "thing-1"}, {"nested", {{"list", {1, 2.5, "three", nullptr}}}}};
  job.request.options = {{"note", "ünïcödé ✓"}};
  job.request.mode = sdk::Mode::graceful;
  job.request.grace = std::chrono::milliseconds(12'345);
  job.request.dry_run = true;
  job.requester = "ops-token";
  job.request_id = "req-" + job.id;
  job.created = at_ms(created_ms);
  job.started = at_ms(created_ms + 7);
  job.finished = at_ms(created_ms + 20'000);
  job.deadline = at_ms(created_ms + 42'345);
  job.force_at = at_ms(created_ms + 12'352);
  job.attempts = 3;
  job.resumed = 2;
  job.stop_id = "abcd1234-17";
  job.joined = true;
  job.outcome = sdk::StopOutcome{sdk::Code::stopped,
                                 "stopped after SIGKILL",
                                 true,
                                 {{"exit_code", 137}, {"signals", {"TERM", "KILL"}}}};
  return job;
}

// A pending job as the manager would insert it.
inline core::Job pending_job(std::string id, std::int64_t created_ms, std::string type = "t.sync") {
  core::Job job;
  job.id = std::move(id);
  job.request.type = std::move(type);
  job.request.target = {{"id", job.id}};
  job.requester = "unix";
  job.created = at_ms(created_ms);
  job.deadline = at_ms(created_ms + 40'000);
  job.force_at = at_ms(created_ms + 10'000);
  return job;
}

// An asynchronous provider whose stops stay in flight until release_all() completes them, or
// until they are cancelled (then it completes them `cancelled` at once, as a good provider does).
class HoldingProvider final : public sdk::IStopProvider {
 public:
  explicit HoldingProvider(std::string name) : name_(std::move(name)) {}

  sdk::ProviderInfo info() const override { return async_provider_info(name_); }

  void start(const sdk::StopRequest& request, std::shared_ptr<sdk::StopContext> context) override {
    ++calls;
    {
      std::lock_guard lock(mutex_);
      graces_.push_back(request.grace);
    }
    if (watch_cancel) {
      std::weak_ptr<sdk::StopContext> weak = context;
      context->on_change([this, weak] {
        auto held = weak.lock();
        if (!held || !held->cancelled()) return;
        {
          std::lock_guard lock(mutex_);  // no longer held: release_all() must not complete it again
          held_.erase(std::remove_if(held_.begin(), held_.end(),
                                     [&](const auto& each) { return each.second == held; }),
                      held_.end());
        }
        held->complete(sdk::StopOutcome::make(sdk::Code::cancelled, "cancelled"));
      });
    }
    std::lock_guard lock(mutex_);
    held_.emplace_back(request.target.value("id", ""), std::move(context));
  }

  // Completes every held stop with `code`.
  void release_all(sdk::Code code = sdk::Code::stopped) {
    release_if([](auto&) { return true; }, code);
  }

  // Completes the held stop of target {"id": id}.
  void release(const std::string& id, sdk::Code code = sdk::Code::stopped) {
    release_if([&](const std::string& each) { return each == id; }, code);
  }

  std::size_t held() const {
    std::lock_guard lock(mutex_);
    return held_.size();
  }
  std::vector<std::optional<std::chrono::milliseconds>> graces() const {
    std::lock_guard lock(mutex_);
    return graces_;
  }

  std::atomic<int> calls{0};
  bool watch_cancel = true;  // set before the first stop

 private:
  template <class Predicate>
  void release_if(Predicate predicate, sdk::Code code) {
    std::vector<std::shared_ptr<sdk::StopContext>> chosen;
    {
      std::lock_guard lock(mutex_);
      for (auto it = held_.begin(); it != held_.end();) {
        if (predicate(it->first)) {
          chosen.push_back(std::move(it->second));
          it = held_.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (auto& context : chosen) context->complete(sdk::StopOutcome::make(code, "released"));
  }

  std::string name_;
  mutable std::mutex mutex_;
  std::vector<std::pair<std::string, std::shared_ptr<sdk::StopContext>>> held_;
  std::vector<std::optional<std::chrono::milliseconds>> graces_;
};

// A logger of the test's own, keeping what is written to it at info and above as lines
// ("[error] …"). Handed to what is tested through its options (JournalOptions::logger,
// DispatcherOptions::logger), never added to the process-wide logger, which threads left over
// from other tests may be writing to.
class CapturedLog {
 public:
  CapturedLog()
      : sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(10'000)),
        logger_(std::make_shared<spdlog::logger>("captured", sink_)) {
    sink_->set_pattern("[%l] %v");
    logger_->set_level(spdlog::level::info);
  }
  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;

  const std::shared_ptr<spdlog::logger>& logger() const { return logger_; }
  // `options` with this as its logger.
  core::JournalOptions into(core::JournalOptions options) const {
    options.logger = logger_;
    return options;
  }

  std::string text() const {
    std::string all;
    for (const std::string& line : sink_->last_formatted()) all += line;
    return all;
  }

 private:
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
  std::shared_ptr<spdlog::logger> logger_;
};

// Polls `condition` every 5 ms for up to `timeout`.
template <class Condition>
bool eventually(Condition condition,
                std::chrono::milliseconds timeout = std::chrono::milliseconds(10'000)) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return condition();
}

// Runs one SQL statement on the file with a connection of its own (not through JobStore).
inline std::string sql_value(const std::filesystem::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr),
            SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  std::string value;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK) {
    const int rc = sqlite3_step(statement);
    if (rc == SQLITE_ROW && sqlite3_column_text(statement, 0) != nullptr)
      value = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    EXPECT_TRUE(rc == SQLITE_ROW || rc == SQLITE_DONE) << sqlite3_errmsg(db);
  } else {
    ADD_FAILURE() << sqlite3_errmsg(db);
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return value;
}

}  // namespace stopd::test
