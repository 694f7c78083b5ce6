// Outputs that survive a crash, for long runs resumed with --resume (grove-infer, grove-annotate): records go to
// PATH.partial, each flushed as soon as it is written (with zstd, one frame per flush, so the file is valid up to
// the last record the process finished), and PATH.partial becomes PATH when the run completes. A resumed run reads
// the complete records an earlier run left, keeps them, and continues; being killed at any point loses at most the
// record being written.
#pragma once
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "io/stream.h"

namespace grove::io {

class JournalWriter {
 public:
  // Opens PATH's journal. With resume, the complete records of an earlier run's journal are kept (their ids are
  // then known to has(), and each is passed to on_kept when given); without it, an earlier journal is replaced.
  // PATH must be a file, not "-".
  JournalWriter(const std::string& path, const Record& header, bool resume,
                const std::function<void(const Record&)>& on_kept = {});
  ~JournalWriter();

  // Writes r and flushes it to the journal.
  void write(const Record& r);
  // Renames the journal to PATH.
  void commit();

  // Whether the earlier run completed a record of this type and id.
  bool has(const std::string& type, const std::string& id) const { return done_.count(type + "\n" + id) != 0; }
  size_t kept() const { return kept_; }  // records carried over from the earlier run
  std::string journal_path() const { return path_ + ".partial"; }

 private:
  std::string path_;
  std::unique_ptr<StreamWriter> out_;
  std::set<std::string> done_;
  size_t kept_ = 0;
};

// A tool's output: a journal (crash-safe, resumable) when `journaled`, else an ordinary stream ("-" allowed).
class ToolOutput {
 public:
  ToolOutput(const std::string& path, const Record& header, bool journaled, bool resume) {
    if (journaled) journal_ = std::make_unique<JournalWriter>(path, header, resume);
    else stream_ = std::make_unique<StreamWriter>(path, header);
  }
  // Whether an earlier run finished this record (always false without a journal).
  bool has(const std::string& type, const std::string& id) const { return journal_ && journal_->has(type, id); }
  size_t kept() const { return journal_ ? journal_->kept() : 0; }
  void write(const Record& r) { journal_ ? journal_->write(r) : stream_->write(r); }
  void commit() { journal_ ? journal_->commit() : stream_->commit(); }

 private:
  std::unique_ptr<JournalWriter> journal_;
  std::unique_ptr<StreamWriter> stream_;
};

// The complete records of a journal (or any stream), stopping quietly at a truncated or corrupt tail; empty when
// the file does not exist.
std::vector<Record> read_complete_records(const std::string& path);

}  // namespace grove::io
