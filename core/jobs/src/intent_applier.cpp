#include "intent_applier.hpp"

#include <algorithm>
#include <exception>
#include <iterator>
#include <utility>

#include "intent_record.hpp"
#include "job_time.hpp"
#include "stopd/core/logging.hpp"

namespace stopd::core {
namespace {

namespace fs = std::filesystem;
using sqlite::SqliteError;
using sqlite::Statement;
using sqlite::Use;

// More pending than this (the applier cannot keep up, or the tables cannot be written): the
// appending thread applies them itself, so memory and the file stay bounded.
constexpr std::size_t kMaxPendingIntents = 4096;
constexpr std::uint64_t kMaxIntentLogBytes = 16u << 20;
// After the applier failed (a full disk, …), it tries again this much later.
constexpr std::chrono::seconds kApplyRetry{1};

// What an update writes (update_job, job_store.cpp: the fields that may change after insert),
// from `from` onto `into`. An update's Job need carry nothing else.
void take_changes(Job& into, const Job& from) {
  into.state = from.state;
  into.started = from.started;
  into.finished = from.finished;
  into.deadline = from.deadline;
  into.force_at = from.force_at;
  into.attempts = from.attempts;
  into.resumed = from.resumed;
  into.stop_id = from.stop_id;
  into.joined = from.joined;
  into.outcome = from.outcome;
}

}  // namespace

IntentApplier::IntentApplier(JournalWriter& writer, std::string name, JournalOptions options,
                             Statement& insert_job, Statement& update_job)
    : writer_(writer),
      name_(std::move(name)),
      options_(std::move(options)),
      insert_job_(insert_job),
      update_job_(update_job) {
  auto& w = writer_.connection();
  note_applied_ =
      Statement(w, "INSERT OR REPLACE INTO meta (key, value) VALUES ('intents_applied', ?1)");
  keep_dead_letter_ = Statement(
      w, "INSERT INTO dead_letters (number, kept_ms, error, record) VALUES (?1, ?2, ?3, ?4)");
  dead_letter_count_ =
      static_cast<std::uint64_t>(w.integer_query("SELECT count(*) FROM dead_letters"));
  writer_.set_prelude(this);
}

IntentApplier::~IntentApplier() {
  stop_thread();
  writer_.set_prelude(nullptr);
}

[[noreturn]] void IntentApplier::fail(const std::string& what, const std::exception& e) const {
  throw JournalError("journal " + name_ + ": " + what + ": " + e.what());
}

void IntentApplier::report_dead_letters(std::uint64_t count) const {
  if (!options_.on_dead_letters) return;
  try {
    options_.on_dead_letters(count);
  } catch (...) {  // metrics must never fail a write
  }
}

// ---- opening and closing ------------------------------------------------------------------------

void IntentApplier::replay() {
  const fs::path log_file = name_ + "-intents";
  std::error_code ec;
  if (options_.sync_full && !fs::exists(log_file, ec)) return;
  intents_ = std::make_unique<IntentLog>(log_file);
  if (intents_->torn_bytes() > 0)
    log().warn(
        "journal {}: cut {} byte(s) off the end of {} (a record torn by a crash, never "
        "acknowledged)",
        name_, intents_->torn_bytes(), log_file.string());
  std::vector<IntentLog::Record> found = intents_->take_found();
  try {
    applied_ = static_cast<std::uint64_t>(writer_.connection().integer_query(
        "SELECT coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE "
        "key = 'intents_applied'), 0)"));
  } catch (const SqliteError& e) {
    fail("cannot read how far its intent log was applied", e);
  }
  report_damage(log_file, found);
  appended_ = std::max(applied_, found.empty() ? std::uint64_t{0} : found.back().number);
  std::erase_if(found, [&](const IntentLog::Record& r) { return r.number <= applied_; });
  const std::size_t replayed = found.size();
  pending_ = std::move(found);
  try {
    if (replayed > 0)
      writer_.write([] {}, false);
    else
      intents_->clear();
  } catch (const std::exception& e) {
    fail("cannot apply the " + std::to_string(replayed) + " record(s) left in " + log_file.string(),
         e);
  }
  if (replayed > 0)
    log().info("journal {}: applied {} record(s) left in its intent log", name_, replayed);
  if (options_.sync_full) {
    intents_.reset();
    fs::remove(log_file, ec);
  }
}

// Damage in the intent log is not what a crash leaves: it is named at error level with the
// records it took, and the whole records after it are applied. What the lost records wrote is
// missing from the tables: a job keeps its state before them (an unfinished one is resumed),
// or is not in the journal at all if its insert was lost (README, "Jobs and the journal").
void IntentApplier::report_damage(const fs::path& log_file,
                                  const std::vector<IntentLog::Record>& found) const {
  for (const IntentLog::Damage& damage : intents_->damage()) {
    const std::string where = log_file.string() + " is damaged at bytes " +
                              std::to_string(damage.begin) + " to " + std::to_string(damage.end);
    const std::uint64_t first_lost = std::max(damage.number_before, applied_) + 1;
    if (damage.number_after == 0) {
      log().error(
          "journal {}: {} (its end: not a record torn by a crash, and no whole record "
          "follows{}), "
          "cut off: any record from {} on is lost. The jobs those records accepted, started "
          "or ended keep their earlier state in the journal, or are not in it",
          name_, where,
          intents_->search_gave_up()
              ? " as far as the search for one checked (" +
                    std::to_string(IntentLog::kMaxSearchBytes >> 20) + " MiB)"
              : std::string(),
          first_lost);
      continue;
    }
    if (first_lost >= damage.number_after) {
      log().warn("journal {}: {}, but the records there were in the tables already: nothing lost",
                 name_, where);
      continue;
    }
    const std::uint64_t last_lost = damage.number_after - 1;
    const auto kept = std::count_if(found.begin(), found.end(), [&](const auto& record) {
      return record.number >= damage.number_after;
    });
    log().error(
        "journal {}: {} (not a record torn by a crash: whole records follow it): {} {} lost, "
        "the {} whole record(s) after it kept. The jobs the lost records accepted, started or "
        "ended keep their earlier state in the journal (an unfinished one is resumed), or are "
        "not in it if their insert was lost",
        name_, where, first_lost == last_lost ? "record" : "records",
        first_lost == last_lost ? std::to_string(first_lost)
                                : std::to_string(first_lost) + " to " + std::to_string(last_lost),
        kept);
  }
}

void IntentApplier::start() {
  if (intents_) thread_ = std::thread([this] { run(); });
  report_dead_letters(dead_letter_count_.load());
}

void IntentApplier::close() {
  if (intents_) {
    stop_thread();
    try {
      settle();  // what is left: into the tables now, and the file starts over
    } catch (const std::exception& e) {
      log().error("journal {}: {} intent record(s) left for the next start: {}", name_,
                  pending_count(), e.what());
    }
  }
  writer_.set_prelude(nullptr);
}

void IntentApplier::stop_thread() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard guard(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

// ---- into the tables ------------------------------------------------------------------------

bool IntentApplier::take() {
  if (!intents_) return false;
  std::lock_guard guard(mutex_);
  taken_.swap(pending_);
  return !taken_.empty();
}

void IntentApplier::apply() {
  refused_ = apply_intents(taken_);
}

void IntentApplier::committed() {
  note_committed(taken_.back().number);
  taken_.clear();
  if (refused_ > 0) report_dead_letters(dead_letter_count_ += refused_);
}

void IntentApplier::failed() {
  give_back(taken_);
}

// Inside the leader's transaction: every taken record, then the number of the last one.
// Returns how many the tables refused (kept as dead letters in the same transaction).
std::uint64_t IntentApplier::apply_intents(const std::vector<IntentLog::Record>& records) {
  std::uint64_t refused = 0;
  for (const IntentLog::Record& record : records) {
    writer_.savepoint();
    try {
      RecordReader rows(record.payload);
      while (!rows.done()) {
        Statement& statement = rows.next_row() == RowKind::insert_job ? insert_job_ : update_job_;
        Use use(statement);
        rows.bind_row(*use);
        use->step();
      }
    } catch (const SqliteError& e) {
      writer_.rollback_to_savepoint();
      writer_.release_savepoint();
      // A record the tables refuse (a job inserted twice) would be refused at every try: it
      // becomes a dead letter; anything else (a full disk) fails the commit and is retried.
      if (e.code() != SQLITE_CONSTRAINT) throw;
      keep_as_dead_letter(record, e);
      ++refused;
      continue;
    } catch (const JournalError& e) {  // damaged beyond its checksum, or of a newer format
      writer_.rollback_to_savepoint();
      writer_.release_savepoint();
      keep_as_dead_letter(record, e);
      ++refused;
      continue;
    }
    writer_.release_savepoint();
  }
  Use use(note_applied_);
  use->bind(1, std::to_string(records.back().number));
  use->step();
  return refused;
}

// The record was acknowledged: it is kept, as written, in the transaction that took it. If
// even that fails the commit fails, and the record stays in the log for the next try.
void IntentApplier::keep_as_dead_letter(const IntentLog::Record& record, const std::exception& e) {
  Use use(keep_dead_letter_);
  use->bind(1, static_cast<std::int64_t>(record.number));
  use->bind(2, to_ms(job_clock_now()));
  use->bind(3, std::string_view(e.what()));
  use->bind_blob(4, record.payload);
  use->step();
  log().error(
      "journal {}: intent record {} refused by the tables ({}); kept in its dead_letters table "
      "(README: Jobs and the journal)",
      name_, record.number, e.what());
}

// After the commit: its records leave the unapplied jobs only now, when the tables show them.
void IntentApplier::note_committed(std::uint64_t number) {
  std::lock_guard guard(mutex_);
  applied_ = number;
  std::erase_if(unapplied_, [&](const auto& entry) { return entry.second.number <= number; });
  if (applied_ != appended_) return;
  try {
    intents_->clear();  // all applied: the file starts over
  } catch (const std::exception& e) {
    // Harmless: applied records are skipped by number at the next start.
    log().warn("journal {}: {}", name_, e.what());
  }
}

// After a failed commit: the taken records go back in front of any appended meanwhile.
void IntentApplier::give_back(std::vector<IntentLog::Record>& taken) {
  if (taken.empty()) return;
  std::lock_guard guard(mutex_);
  taken.insert(taken.end(), std::make_move_iterator(pending_.begin()),
               std::make_move_iterator(pending_.end()));
  pending_.swap(taken);
  taken.clear();
}

void IntentApplier::append(std::string payload, const std::vector<Job>& inserts,
                           const std::vector<Job>& updates) {
  bool too_many = false;
  {
    std::lock_guard guard(mutex_);
    const std::uint64_t number = appended_ + 1;
    intents_->append(number, payload);
    appended_ = number;
    for (const Job& job : inserts) unapplied_[job.id] = Unapplied{job, number, true};
    for (const Job& job : updates) {
      Unapplied& entry = unapplied_[job.id];  // a new entry is an update of a table row
      if (entry.inserted)
        take_changes(entry.job, job);
      else
        entry.job = job;
      entry.number = number;
    }
    pending_.push_back(IntentLog::Record{number, std::move(payload)});
    if (idle_) cv_.notify_one();
    too_many = pending_.size() > kMaxPendingIntents || intents_->size() > kMaxIntentLogBytes;
  }
  if (too_many) try {
      settle();
    } catch (const std::exception& e) {  // the record is safe in the log; applied later
      log().error("journal {}: applying intent records: {}", name_, e.what());
    }
}

std::size_t IntentApplier::pending_count() {
  std::lock_guard guard(mutex_);
  return pending_.size();
}

// Every record appended before this call is in the tables when it returns. Throws
// JournalError naming the file, as every other read and write does.
void IntentApplier::settle() {
  if (!intents_) return;
  {
    std::lock_guard guard(mutex_);
    if (applied_ == appended_) return;
  }
  try {
    writer_.write([] {}, false);
  } catch (const SqliteError& e) {
    fail("cannot apply its pending intent records", e);
  }
}

void IntentApplier::run() {
  std::unique_lock guard(mutex_);
  while (!stopping_) {
    if (pending_.empty()) {
      idle_ = true;
      cv_.wait(guard);
      idle_ = false;
      continue;
    }
    // Records come while it waits: they share the next transaction.
    cv_.wait_for(guard, options_.apply_delay);
    if (stopping_) break;
    guard.unlock();
    bool failed = false;
    try {
      settle();
    } catch (const std::exception& e) {
      failed = true;
      log().error("journal {}: applying intent records: {}; retrying", name_, e.what());
    }
    guard.lock();
    if (failed) cv_.wait_for(guard, kApplyRetry);
  }
}

// ---- for reads ------------------------------------------------------------------------------

std::optional<IntentApplier::Unapplied> IntentApplier::unapplied_job(std::string_view id) {
  std::lock_guard guard(mutex_);
  auto it = unapplied_.find(std::string(id));
  if (it == unapplied_.end()) return std::nullopt;
  return it->second;
}

std::uint64_t IntentApplier::applied_so_far() {
  std::lock_guard guard(mutex_);
  return applied_;
}

std::optional<IntentApplier::Unapplied> IntentApplier::unapplied_job(std::string_view id,
                                                                     std::uint64_t since,
                                                                     bool& committed_since) {
  std::lock_guard guard(mutex_);
  committed_since = applied_ != since;
  auto it = unapplied_.find(std::string(id));
  if (it == unapplied_.end()) return std::nullopt;
  return it->second;
}

std::unordered_map<std::string, IntentApplier::Unapplied> IntentApplier::unapplied_jobs() {
  std::lock_guard guard(mutex_);
  return unapplied_;
}

std::optional<Job> IntentApplier::laid_over(std::optional<Job> row, const Unapplied* newer) {
  if (newer == nullptr) return row;
  if (newer->inserted) return newer->job;
  if (row) take_changes(*row, newer->job);
  return row;
}

}  // namespace stopd::core
