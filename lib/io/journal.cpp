// See journal.h. The resume sequence keeps every finished record on disk at every instant: the earlier journal is
// first renamed to PATH.partial.old, its records rewritten into a new PATH.partial, and only then is the old one
// removed; a run killed in between finds both files, and their union, read back, loses nothing.
#include "io/journal.h"

#include <unistd.h>

#include <filesystem>

#include "core/error.h"

namespace grove::io {

std::vector<Record> read_complete_records(const std::string& path) {
  std::vector<Record> out;
  if (!std::filesystem::exists(path)) return out;
  try {
    StreamReader in(path);
    Record r;
    while (in.next(r)) out.push_back(std::move(r));
  } catch (const Error&) {
    // A record cut short by a kill ends the useful part of the file.
  }
  return out;
}

JournalWriter::JournalWriter(const std::string& path, const Record& header, bool resume,
                             const std::function<void(const Record&)>& on_kept)
    : path_(path) {
  if (path == "-") throw Error("-", "--resume needs an output file (-o FILE), not standard output");
  const std::string journal = path + ".partial", old = journal + ".old";
  std::vector<Record> records;
  if (resume) {
    std::set<std::string> seen;
    for (const auto& f : {old, journal})
      for (auto& r : read_complete_records(f)) {
        if (record_type(r) == "error") continue;  // failed clips are tried again
        const std::string key = record_type(r) + "\n" + record_id(r);
        if (record_id(r).empty() || seen.insert(key).second) records.push_back(std::move(r));
      }
    std::error_code ec;
    if (std::filesystem::exists(journal) && !std::filesystem::exists(old)) std::filesystem::rename(journal, old, ec);
  }
  out_ = std::make_unique<StreamWriter>(path, header, Encoding::Auto, OutputFile::Compression::Auto, journal);
  for (const auto& r : records) {
    out_->write(r);
    done_.insert(record_type(r) + "\n" + record_id(r));
    if (on_kept) on_kept(r);
  }
  kept_ = records.size();
  out_->flush();
  ::unlink(old.c_str());
}

JournalWriter::~JournalWriter() = default;

void JournalWriter::write(const Record& r) {
  out_->write(r);
  out_->flush();
}

void JournalWriter::commit() { out_->commit(); }

}  // namespace grove::io
