// The journal: every job and every change of it in SQLite (WAL mode). A write returns only when
// it is durable, so the daemon can acknowledge a job it has journaled and resume it after a crash.
// Thread-safe. Secrets never reach it: jobs hold requests and outcomes, never credentials.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "stopd/core/job.hpp"

namespace stopd::core {

class JournalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct JournalOptions {
  // true: PRAGMA synchronous=FULL, a commit survives power loss. false: NORMAL, a commit survives a
  // crash of the daemon (kill -9) but the last ones may be lost if the machine itself goes down.
  bool sync_full = true;
  // Called with how long each write took (metrics).
  std::function<void(std::chrono::nanoseconds)> on_write;
};

class JobStore {
 public:
  // Opens or creates the journal (and its schema). Throws JournalError naming the file and why
  // (missing directory, not a stopd journal, newer schema, locked by another daemon…).
  JobStore(const std::filesystem::path& file, JournalOptions options = {});
  ~JobStore();
  JobStore(const JobStore&) = delete;
  JobStore& operator=(const JobStore&) = delete;

  // Throws JournalError; a duplicate id or request_id is an error.
  void insert(const Job& job);
  // Everything that may change after insert: state, times, attempts, resumed, stop_id, joined,
  // outcome. Throws JournalError.
  void update(const Job& job);

  std::optional<Job> get(std::string_view id) const;
  std::optional<Job> find_by_request_id(std::string_view request_id) const;
  JobPage list(const JobFilter& filter) const;
  std::vector<Job> unfinished() const;  // oldest first
  // Deletes finished jobs that finished before `cutoff`; returns how many.
  std::size_t prune_finished_before(Job::Time cutoff);

  const std::filesystem::path& file() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace stopd::core
