#include "eval/wordnet.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "core/error.h"

namespace grove::eval {

namespace {

// A read-only mapping of one sorted WordNet file ("index.noun", "verb.exc", ...).
class SortedFile {
 public:
  SortedFile(const std::string& path) : path_(path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error(path, std::string("cannot open the WordNet file: ") + std::strerror(errno));
    struct stat st{};
    if (::fstat(fd, &st) != 0) {
      ::close(fd);
      throw Error(path, std::string("cannot read: ") + std::strerror(errno));
    }
    size_ = static_cast<size_t>(st.st_size);
    if (size_ > 0) {
      void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (p == MAP_FAILED) {
        ::close(fd);
        throw Error(path, std::string("cannot map: ") + std::strerror(errno));
      }
      data_ = static_cast<const char*>(p);
    }
    ::close(fd);
  }
  ~SortedFile() {
    if (data_) ::munmap(const_cast<char*>(data_), size_);
  }
  SortedFile(const SortedFile&) = delete;
  SortedFile& operator=(const SortedFile&) = delete;

  // Every line whose first field is key (the files are sorted bytewise by it; license lines start with spaces).
  std::vector<std::string_view> find(std::string_view key) const {
    std::vector<std::string_view> out;
    if (key.empty() || !data_) return out;
    // Lower bound over line starts: lo is always a line start, the first line with a key >= key lies in [lo, hi].
    size_t lo = 0, hi = size_;
    while (lo < hi) {
      size_t start = std::max(lo, line_start_at_or_before(lo + (hi - lo) / 2));
      if (compare(start, key) < 0) lo = next_line(start);
      else hi = start;
    }
    for (size_t p = lo; p < size_; p = next_line(p)) {
      if (compare(p, key) != 0) break;
      out.push_back(line(p));
    }
    return out;
  }

 private:
  size_t line_start_at_or_before(size_t p) const {
    while (p > 0 && data_[p - 1] != '\n') --p;
    return p;
  }
  size_t next_line(size_t p) const {
    const void* nl = std::memchr(data_ + p, '\n', size_ - p);
    return nl ? static_cast<size_t>(static_cast<const char*>(nl) - data_) + 1 : size_;
  }
  std::string_view line(size_t p) const { return std::string_view(data_ + p, next_line(p) - p); }
  // The line's first field against key; license lines (leading space) sort first.
  int compare(size_t p, std::string_view key) const {
    size_t e = p;
    while (e < size_ && data_[e] != ' ' && data_[e] != '\n') ++e;
    return std::string_view(data_ + p, e - p).compare(key);
  }

  std::string path_;
  const char* data_ = nullptr;
  size_t size_ = 0;
};

std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\n' || line[i] == '\r')) ++i;
    size_t s = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\n' && line[i] != '\r') ++i;
    if (i > s) out.push_back(line.substr(s, i - s));
  }
  return out;
}

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Java's String.length(): UTF-16 code units.
size_t utf16_length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) n += (c >= 0xF0) ? 2 : 1;
  }
  return n;
}

const char* const kPos[] = {"noun", "verb", "adj", "adv"};

}  // namespace

struct WordNet::Impl {
  std::string dir;
  std::vector<std::unique_ptr<SortedFile>> index;  // noun verb adj adv
  std::vector<std::unique_ptr<SortedFile>> exc;    // adj adv noun verb (METEOR's order)
  bool restore = false;
  mutable std::mutex mu;
  mutable std::unordered_map<std::string, std::vector<int>> synset_cache;

  // Debian's edition of data.verb and data.adj back to the original offsets (see the header).
  int original_offset(int pos, long off) const {
    if (restore && pos == 1 && off >= 613036 && off < 2422967) return static_cast<int>(off - 18);
    if (restore && pos == 2 && off >= 1681478) return static_cast<int>(off - 1);
    return static_cast<int>(off);
  }

  std::vector<int> lookup(const std::string& word) const {
    std::vector<int> out;
    for (int pos = 0; pos < 4; ++pos) {
      for (std::string_view line : index[pos]->find(word)) {
        // lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt synset_offset...
        std::vector<std::string_view> f = fields(line);
        if (f.size() < 6) continue;
        size_t p_cnt = std::strtoul(std::string(f[3]).c_str(), nullptr, 10);
        for (size_t k = 6 + p_cnt; k < f.size(); ++k) {
          out.push_back(original_offset(pos, std::strtol(std::string(f[k]).c_str(), nullptr, 10)));
        }
      }
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }
};

WordNet::WordNet(const std::string& dir) : impl_(std::make_unique<Impl>()) {
  impl_->dir = dir;
  for (const char* pos : kPos) impl_->index.push_back(std::make_unique<SortedFile>(dir + "/index." + pos));
  for (const char* pos : {"adj", "adv", "noun", "verb"}) {
    impl_->exc.push_back(std::make_unique<SortedFile>(dir + "/" + pos + ".exc"));
  }
  // "forget" (verb) has the synset 00613036 in Debian's edition and 00613018 in the original.
  for (std::string_view line : impl_->index[1]->find("forget")) {
    for (std::string_view f : fields(line)) {
      if (f == "00613036") impl_->restore = true;
    }
  }
}

WordNet::~WordNet() = default;

std::string WordNet::default_dir() {
  const char* env = std::getenv("WNSEARCHDIR");
  return env && *env ? env : "/usr/share/wordnet";
}

const std::string& WordNet::dir() const { return impl_->dir; }
bool WordNet::offsets_restored() const { return impl_->restore; }

std::vector<int> WordNet::synsets(const std::string& word) const {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    auto it = impl_->synset_cache.find(word);
    if (it != impl_->synset_cache.end()) return it->second;
  }
  std::vector<int> s = impl_->lookup(word);
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->synset_cache.emplace(word, s);
  return s;
}

bool WordNet::has_lemma(const std::string& word) const { return !synsets(word).empty(); }

std::vector<std::string> WordNet::bases(const std::string& form) const {
  std::vector<std::string> out;
  for (const auto& f : impl_->exc) {
    for (std::string_view line : f->find(form)) {
      std::vector<std::string_view> w = fields(line);
      for (size_t k = 1; k < w.size(); ++k) out.emplace_back(w[k]);
    }
  }
  return out;
}

bool WordNet::in_index(const std::string& word, int pos) const {
  return pos >= 0 && pos < 4 && !impl_->index[pos]->find(word).empty();
}

std::vector<std::string> WordNet::exception_bases(const std::string& form, int pos) const {
  static const int kExcOf[] = {2, 3, 0, 1};  // exc is ordered adj adv noun verb
  std::vector<std::string> out;
  if (pos < 0 || pos >= 4) return out;
  for (std::string_view line : impl_->exc[kExcOf[pos]]->find(form)) {
    std::vector<std::string_view> w = fields(line);
    for (size_t k = 1; k < w.size(); ++k) out.emplace_back(w[k]);
  }
  return out;
}

std::vector<int> WordNet::stem_synsets(const std::string& word) const {
  std::vector<std::string> b = bases(word);
  if (b.empty()) return synsets(morph(word));
  std::vector<int> out;
  for (const std::string& base : b) {
    std::vector<int> s = synsets(base);
    out.insert(out.end(), s.begin(), s.end());
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string WordNet::morph(const std::string& word) const {
  // WordNet 3's detachment rules as METEOR lists them: noun, verb, then adjective suffixes, first hit wins.
  static const char* const kSuffix[] = {"s",   "ses", "xes", "zes", "ches", "shes", "men", "ies", "s",  "ies",
                                        "es",  "es",  "ed",  "ed",  "ing",  "ing",  "er",  "est", "er", "est"};
  static const char* const kEnding[] = {"", "s", "x", "z", "ch", "sh", "man", "y", "",  "y",
                                        "e", "",  "e", "",  "e",  "",   "",    "",  "e", "e"};
  std::string end = ends_with(word, "ful") ? "ful" : "";
  if (ends_with(word, "ss") || utf16_length(word) <= 2) return word;
  for (int i = 0; i < 20; ++i) {
    if (!ends_with(word, kSuffix[i])) continue;
    std::string candidate = word.substr(0, word.size() - std::strlen(kSuffix[i])) + kEnding[i];
    if (has_lemma(candidate)) return candidate + end;
  }
  return "";
}

}  // namespace grove::eval
