// A thin RAII layer over the SQLite C API: a connection and its prepared statements. Errors are
// SqliteError (the result code and SQLite's message); the journal turns them into JournalError
// naming the file.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace stopd::core::sqlite {

class SqliteError : public std::runtime_error {
 public:
  SqliteError(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
  int code() const noexcept { return code_; }  // the primary result code (SQLITE_BUSY, …)

 private:
  int code_;
};

class Connection;

// One prepared statement, prepared once and reused: reset() after each use (Use does it).
class Statement {
 public:
  Statement() = default;
  Statement(Connection& connection, std::string_view sql);
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters count from 1, as in SQLite.
  void bind(int index, std::int64_t value);
  void bind(int index, std::string_view text);        // copied by SQLite
  void bind_blob(int index, std::string_view bytes);  // copied by SQLite
  void bind(int index, std::optional<std::int64_t> value);
  void bind_null(int index);
  int parameter_count() const;

  bool step();   // true: a row is ready; false: done
  void reset();  // clears the bindings too

  bool is_null(int column) const;
  std::int64_t integer(int column) const;
  std::optional<std::int64_t> optional_integer(int column) const;
  std::string text(int column) const;

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* statement_ = nullptr;
};

// Binds, steps and always resets, even when a step throws.
class Use {
 public:
  explicit Use(Statement& statement) : statement_(statement) {}
  ~Use() { statement_.reset(); }
  Use(const Use&) = delete;
  Use& operator=(const Use&) = delete;
  Statement* operator->() { return &statement_; }
  Statement& operator*() { return statement_; }

 private:
  Statement& statement_;
};

class Connection {
 public:
  // Throws SqliteError. `flags` as for sqlite3_open_v2.
  Connection(const std::string& file, int flags);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void exec(const std::string& sql);              // statements without results
  std::string text_pragma(std::string_view sql);  // the first column of the first row
  std::int64_t integer_query(std::string_view sql);

  sqlite3* handle() const { return db_; }
  [[noreturn]] void fail(int code) const;

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace stopd::core::sqlite
