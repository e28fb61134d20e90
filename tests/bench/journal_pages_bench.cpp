// What one journal write costs on disk, in both of the journal's designs (issue 18: "measure the
// pages each commit writes before choosing"):
//   - a SQLite commit per write (journal.sync: full, and what sync: normal was before the intent
//     log): the WAL frames one job's insert, its start and its end add, alone and 64 at once;
//   - the intent log (sync: normal): the bytes one record adds to "<file>-intents".
// On a journal that already holds --jobs finished jobs, as a daemon's does, since a B-tree write
// touches the pages on the path to its leaf. The WAL is never checkpointed during a measurement:
// the journal's checkpointer starts only past 4,000 pages.
//
//   stopd_bench_journal_pages [--jobs 100000] [--samples 200]
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "stopd/core/job.hpp"
#include "stopd/jobs/job_store.hpp"

namespace {

namespace fs = std::filesystem;
using stopd::core::Job;
using stopd::core::JobState;
using stopd::core::JobStore;
using stopd::core::JournalOptions;

constexpr std::int64_t kPageSize = 4096;   // journal_schema.cpp leaves SQLite's default
constexpr std::int64_t kFrameHeader = 24;  // each WAL frame: a header, then the page

std::size_t flag(int argc, char** argv, std::string_view name, std::size_t fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == name) return std::strtoull(argv[i + 1], nullptr, 10);
  return fallback;
}

std::int64_t bytes_of(const fs::path& file) {
  struct stat info {};
  return ::stat(file.c_str(), &info) == 0 ? static_cast<std::int64_t>(info.st_size) : 0;
}

// The WAL's last valid frame (mxFrame), from the wal-index header at the start of "<file>-shm"
// (offset 16, native byte order; sqlite.org/walformat.html). The WAL file's size says nothing:
// SQLite writes a restarted WAL over the old one.
std::int64_t wal_frames(const fs::path& journal) {
  std::ifstream shm(journal.string() + "-shm", std::ios::binary);
  std::uint32_t frames = 0;
  shm.seekg(16);
  shm.read(reinterpret_cast<char*>(&frames), sizeof frames);
  return shm ? frames : 0;
}

Job make_job(std::size_t n, Job::Time created) {
  char id[32];
  std::snprintf(id, sizeof id, "j-%026zu", n);  // ordered like real ids
  Job job;
  job.id = id;
  job.request.type = "local.process";
  job.request.target = {{"pid", 100000 + n}};
  job.request.options = nlohmann::json::object();
  job.request.grace = std::chrono::seconds(10);
  job.requester = "unix";
  job.created = created;
  job.deadline = created + std::chrono::minutes(5);
  return job;
}

Job started(Job job) {
  job.state = JobState::running;
  job.started = job.created + std::chrono::milliseconds(1);
  job.attempts = 1;
  job.stop_id = "s-" + job.id.substr(2);
  return job;
}

Job finished(Job job) {
  job = started(std::move(job));
  job.state = JobState::finished;
  job.finished = *job.started + std::chrono::milliseconds(40);
  job.outcome = stopd::sdk::StopOutcome::make(stopd::sdk::Code::stopped, "exited after SIGTERM");
  return job;
}

struct Figures {
  std::vector<double> samples;
  double median() {
    std::sort(samples.begin(), samples.end());
    return samples.empty() ? 0 : samples[samples.size() / 2];
  }
};

// Measures `write` `samples` times: how much `size` grew per call (per job: / per_call).
double measure(std::size_t samples, double per_call, const std::function<std::int64_t()>& size,
               const std::function<void(std::size_t)>& write) {
  Figures figures;
  for (std::size_t i = 0; i < samples; ++i) {
    const std::int64_t before = size();
    write(i);
    const std::int64_t after = size();
    // A checkpoint restarted the WAL meanwhile: this sample says nothing.
    if (after >= before) figures.samples.push_back(static_cast<double>(after - before) / per_call);
  }
  return figures.median();
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t jobs = flag(argc, argv, "--jobs", 100000);
  const std::size_t samples = flag(argc, argv, "--samples", 200);
  const fs::path dir =
      fs::temp_directory_path() / ("stopd-journal-pages-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const fs::path file = dir / "journal.db";
  const auto start = std::chrono::system_clock::now() - std::chrono::hours(24);
  std::size_t next = 0;

  std::cout << std::fixed << std::setprecision(1);
  {
    JournalOptions full;
    full.sync_full = true;
    JobStore store(file, full);
    // A daemon's history: finished jobs, 1,000 per transaction.
    for (std::size_t done = 0; done < jobs;) {
      std::vector<Job> chunk;
      for (std::size_t i = 0; i < 1000 && done < jobs; ++i, ++done)
        chunk.push_back(finished(make_job(next++, start + std::chrono::milliseconds(next))));
      store.write_many(chunk, {});
    }
    std::cout << "journal with " << jobs << " finished jobs, " << bytes_of(file) / 1024 / 1024
              << " MiB\n\n";

    const auto frames = [&] { return wal_frames(file); };
    std::vector<Job> mine;
    const auto now = [&] {
      return start + std::chrono::hours(1) + std::chrono::milliseconds(next);
    };
    const double insert = measure(samples, 1, frames, [&](std::size_t) {
      mine.push_back(make_job(next++, now()));
      store.insert(mine.back());
    });
    const double start_one =
        measure(samples, 1, frames, [&](std::size_t i) { store.update(started(mine[i])); });
    const double end_one =
        measure(samples, 1, frames, [&](std::size_t i) { store.update(finished(mine[i])); });
    const double insert_64 = measure(samples / 8, 64, frames, [&](std::size_t) {
      std::vector<Job> batch;
      for (int i = 0; i < 64; ++i) batch.push_back(make_job(next++, now()));
      store.write_many(batch, {});
    });
    const auto pages = [](double count) {
      std::ostringstream out;
      out << std::fixed << std::setprecision(1) << count << " pages ("
          << count * (kPageSize + kFrameHeader) / 1024 << " KiB of WAL)";
      return out.str();
    };
    std::cout << "a SQLite commit per write (sync: full), median per job:\n"
              << "  insert (pending)            " << pages(insert) << "\n"
              << "  update pending -> running   " << pages(start_one) << "\n"
              << "  update running -> finished  " << pages(end_one) << "\n"
              << "  insert, 64 in one commit    " << pages(insert_64) << "\n\n";
  }
  {
    JournalOptions normal;
    normal.sync_full = false;
    normal.apply_delay = std::chrono::hours(1);  // nothing applied while measuring
    JobStore store(file, normal);
    const fs::path intents = file.string() + "-intents";
    const auto bytes = [&] { return bytes_of(intents); };
    std::vector<Job> mine;
    const double insert = measure(samples, 1, bytes, [&](std::size_t) {
      mine.push_back(make_job(next++, start + std::chrono::hours(2)));
      store.append_many({mine.back()}, {});
    });
    const double start_one = measure(
        samples, 1, bytes, [&](std::size_t i) { store.append_many({}, {started(mine[i])}); });
    const double end_one = measure(
        samples, 1, bytes, [&](std::size_t i) { store.append_many({}, {finished(mine[i])}); });
    std::cout << "the intent log (sync: normal), median bytes per record, one write() each:\n"
              << "  insert (pending)            " << insert << " B\n"
              << "  update pending -> running   " << start_one << " B\n"
              << "  update running -> finished  " << end_one << " B\n"
              << "  (the applier later moves them into the tables many per transaction, as the\n"
              << "   64-in-one-commit line above)\n";
  }
  fs::remove_all(dir);
  return 0;
}
