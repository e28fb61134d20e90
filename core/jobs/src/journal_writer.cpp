#include "journal_writer.hpp"

#include <utility>

namespace stopd::core {

using sqlite::Statement;
using sqlite::Use;

JournalWriter::JournalWriter(std::unique_ptr<sqlite::Connection> connection,
                             std::function<void(std::chrono::nanoseconds)> on_write)
    : connection_(std::move(connection)), on_write_(std::move(on_write)) {
  auto& w = *connection_;
  begin_ = Statement(w, "BEGIN IMMEDIATE");
  commit_ = Statement(w, "COMMIT");
  rollback_ = Statement(w, "ROLLBACK");
  savepoint_ = Statement(w, "SAVEPOINT one_write");
  release_ = Statement(w, "RELEASE one_write");
  rollback_to_ = Statement(w, "ROLLBACK TO one_write");
}

void JournalWriter::write(std::function<void()> unit, bool report) {
  const auto begun = std::chrono::steady_clock::now();
  WriteOp op{std::move(unit), nullptr, false};
  {
    std::unique_lock guard(queue_mutex_);
    queue_.push_back(&op);
    while (!op.done) {
      if (leading_) {
        queue_cv_.wait(guard);
        continue;
      }
      leading_ = true;
      std::vector<WriteOp*> batch;
      batch.swap(queue_);
      guard.unlock();
      run_batch(batch);
      guard.lock();
      for (WriteOp* each : batch) each->done = true;
      leading_ = false;
      queue_cv_.notify_all();
    }
  }
  if (report) reported(begun);
  if (op.error) std::rethrow_exception(op.error);
}

void JournalWriter::reported(std::chrono::steady_clock::time_point begun) const {
  if (!on_write_) return;
  try {
    on_write_(std::chrono::steady_clock::now() - begun);
  } catch (...) {  // metrics must never fail a write
  }
}

void JournalWriter::step(Statement& statement) {
  Use use(statement);
  while (use->step()) {
  }
}

void JournalWriter::run_batch(const std::vector<WriteOp*>& batch) {
  const bool prelude = prelude_ != nullptr && prelude_->take();
  const auto fail_all = [&](const std::exception_ptr& error) {
    for (WriteOp* op : batch)
      if (!op->error) op->error = error;
    if (prelude) prelude_->failed();
  };
  try {
    step(begin_);
  } catch (...) {
    fail_all(std::current_exception());
    return;
  }
  if (prelude) try {
      prelude_->apply();
    } catch (...) {
      try_rollback();
      fail_all(std::current_exception());
      return;
    }
  if (batch.size() == 1 && !prelude) {
    // Alone: no savepoint needed; a failed write rolls the transaction back.
    WriteOp& op = *batch.front();
    try {
      op.apply();
    } catch (...) {
      op.error = std::current_exception();
    }
    if (op.error) {
      try_rollback();
      return;
    }
  } else {
    for (WriteOp* op : batch) {
      // Each write in its own savepoint: one refused write (a duplicate id) leaves the others.
      try {
        step(savepoint_);
        try {
          op->apply();
        } catch (...) {
          op->error = std::current_exception();
          step(rollback_to_);
        }
        step(release_);
      } catch (...) {
        if (!op->error) op->error = std::current_exception();
      }
    }
  }
  try {
    step(commit_);
  } catch (...) {
    try_rollback();
    fail_all(std::current_exception());
    return;
  }
  if (prelude) prelude_->committed();
}

void JournalWriter::try_rollback() {
  try {
    step(rollback_);
  } catch (...) {  // nothing was open, or SQLite already rolled back
  }
}

}  // namespace stopd::core
