// The journal's intent log as a restarted daemon reads it: IntentLog's frame reader over the file,
// then RecordReader decoding each record's rows into the journal's statements, as
// JobStore::apply_intents does. Every input must end in records or a JournalError (damage) or a
// SqliteError (a row the tables refuse); nothing else.
//
// Input: the first byte picks the mode.
//   even: the rest is the log file as it is on disk (frames, checksums, a torn tail: anything);
//   odd:  the rest is record payloads separated by "|record|", appended through IntentLog::append
//         itself. The checksums are then right, so the decoder sees every payload; and the file
//         must read back as exactly those records.
// A payload that decodes completely must encode (RecordWriter) back into the same bytes (after the
// format byte the writer adds to a record of format 0, which has none).
#include <sqlite3.h>

#include <map>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "intent_log.hpp"
#include "intent_record.hpp"
#include "journal_schema.hpp"
#include "scratch_dir.hpp"
#include "sqlite.hpp"
#include "stopd/jobs/job_store.hpp"

namespace {

using stopd::core::IntentLog;
using stopd::core::JournalError;
using stopd::core::RecordReader;
using stopd::core::RecordWriter;
using stopd::core::RowKind;
using stopd::core::sqlite::Connection;
using stopd::core::sqlite::SqliteError;
using stopd::core::sqlite::Statement;
using stopd::core::sqlite::Use;
using stopd::fuzz::fail;

// An in-memory database with the journal's real schema and statements, plus statements that hand
// back whatever is bound to them, with each value's type.
struct Journal {
  Connection db{":memory:", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE};
  Statement insert_job, update_job;
  std::map<int, Statement> echoes;  // by value count

  Journal() {
    for (const char* step : stopd::core::kJournalSchemaSteps) db.exec(step);
    std::string values;
    for (int i = 1; i <= 23; ++i) values += (i > 1 ? ", ?" : "?") + std::to_string(i);
    insert_job = Statement(db, std::string("INSERT INTO jobs (") + stopd::core::kJobColumns +
                                   ") VALUES (" + values + ")");
    // As job_store.cpp prepares it.
    update_job = Statement(
        db,
        "UPDATE jobs SET state = ?2, started_ms = ?3, finished_ms = ?4, deadline_ms = ?5, "
        "force_at_ms = ?6, attempts = ?7, resumed = ?8, stop_id = ?9, joined = ?10, "
        "outcome_code = ?11, outcome_message = ?12, outcome_forced = ?13, outcome_details = ?14 "
        "WHERE id = ?1");
  }

  // SELECT typeof(?1), ?1, typeof(?2), ?2, …: a statement of exactly `count` parameters, so that
  // binding one more fails as it would on a real statement.
  Statement& echo(int count) {
    auto it = echoes.find(count);
    if (it != echoes.end()) return it->second;
    std::string columns = "0";
    for (int i = 1; i <= count; ++i)
      columns += ", typeof(?" + std::to_string(i) + "), ?" + std::to_string(i);
    return echoes.emplace(count, Statement(db, "SELECT " + columns)).first->second;
  }
};

Journal& journal() {
  static Journal instance;
  return instance;
}

const stopd::fuzz::ScratchDir& scratch() {
  static const stopd::fuzz::ScratchDir dir;
  return dir;
}

// Decodes `payload` through the echo statement and encodes what came back again: a payload the
// reader accepts must be exactly what the writer makes of its values.
void check_round_trip(std::string_view payload) {
  RecordWriter writer;
  std::size_t added = 0;  // the format byte a record of format 0 lacks
  try {
    RecordReader reader(payload);
    if (reader.format() == 0) added = 1;
    while (!reader.done()) {
      // A row starts with its kind byte and its value count byte (intent_record.hpp); the
      // reader keeps the count to itself, and the writer has reproduced every byte before it.
      const std::size_t at = writer.bytes().size() - added;
      const RowKind kind = reader.next_row();
      if (at + 1 >= payload.size()) fail("the reader and the writer disagree on where a row is");
      const int count = static_cast<unsigned char>(payload[at + 1]);
      Use use(journal().echo(count));
      reader.bind_row(*use);
      if (!use->step()) fail("the echo statement returned no row");
      writer.row(kind);
      for (int i = 0; i < count; ++i) {
        const std::string type = use->text(2 * i + 1);
        const int column = 2 * i + 2;
        if (type == "null")
          writer.bind_null(i + 1);
        else if (type == "integer")
          writer.bind(i + 1, use->integer(column));
        else if (type == "text")
          writer.bind(i + 1, std::string_view(use->text(column)));
        else
          fail("a decoded value is neither null, an integer nor text", type);
      }
    }
  } catch (const JournalError&) {
    return;  // damaged: JobStore skips the record
  } catch (const SqliteError& e) {
    fail("the reader bound other values than its row's count", e.what());
  }
  if (std::string_view(writer.bytes()).substr(added) != payload)
    fail("a decoded record encodes into other bytes");
}

// What JobStore::apply_intents does with one record, inside a transaction rolled back after each
// input so that no input depends on the ones before it. apply_intents skips a record that is
// damaged (JournalError) or that the tables refuse by a constraint; any other SqliteError fails
// the commit, to be retried: a record that fails that way at every try blocks the journal.
void apply(std::string_view payload) {
  Journal& j = journal();
  try {
    RecordReader rows(payload);
    while (!rows.done()) {
      Statement& statement = rows.next_row() == RowKind::insert_job ? j.insert_job : j.update_job;
      Use use(statement);
      rows.bind_row(*use);
      use->step();
    }
  } catch (const SqliteError& e) {
    if (e.code() != SQLITE_CONSTRAINT)
      fail("a record fails its apply at every try, so the journal can never apply it", e.what());
  } catch (const JournalError&) {
  }
}

void decode(const std::vector<IntentLog::Record>& records) {
  journal().db.exec("BEGIN");
  for (const auto& record : records) {
    check_round_trip(record.payload);
    apply(record.payload);
  }
  journal().db.exec("ROLLBACK");
}

}  // namespace

// Setup before the first input: its coverage is not what is fuzzed, and libFuzzer would count
// it with whichever input happens to run first.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  journal();
  scratch();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view rest = stopd::fuzz::text_of(data + 1, size - 1);
  const auto file = scratch().path() / "intents";
  if (data[0] % 2 == 0) {
    scratch().write("intents", rest);
    IntentLog log(file);
    decode(log.take_found());
    return 0;
  }
  const std::vector<std::string> payloads = stopd::fuzz::split(rest, "|record|");
  scratch().write("intents", "");
  {
    IntentLog log(file);
    for (std::size_t i = 0; i < payloads.size(); ++i) log.append(i + 1, payloads[i]);
  }
  IntentLog reopened(file);
  const std::vector<IntentLog::Record> found = reopened.take_found();
  if (reopened.torn_bytes() != 0 || !reopened.damage().empty())
    fail("appended records read back as torn or damaged");
  if (found.size() != payloads.size()) fail("appended records read back as fewer records");
  for (std::size_t i = 0; i < found.size(); ++i)
    if (found[i].number != i + 1 || found[i].payload != payloads[i])
      fail("an appended record read back changed");
  decode(found);
  return 0;
}
