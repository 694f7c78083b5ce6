#include "io/file.h"

#include <exception>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/error.h"
#include "core/strings.h"

namespace grove::io {

namespace {
constexpr size_t kChunk = 1 << 17;
constexpr unsigned char kZstdMagic[4] = {0x28, 0xB5, 0x2F, 0xFD};

std::string errno_text(int err) { return std::strerror(err); }
}  // namespace

std::string display_name(const std::string& path, bool output) {
  if (path == "-") return output ? "<stdout>" : "<stdin>";
  return path;
}

// ---- InputFile ------------------------------------------------------------------------------------------------

struct InputFile::Zstd {
  ZSTD_DStream* ds = ZSTD_createDStream();
  std::vector<char> raw = std::vector<char>(ZSTD_DStreamInSize());
  ZSTD_inBuffer in{raw.data(), 0, 0};
  size_t last = 0;  // last ZSTD_decompressStream result: 0 when the frame in progress is complete
  bool raw_eof = false;
  ~Zstd() { ZSTD_freeDStream(ds); }
};

InputFile::InputFile(const std::string& path) : name_(display_name(path)), buf_(kChunk) {
  if (path == "-") {
    fd_ = STDIN_FILENO;
  } else {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw Error(name_, errno_text(errno));
    own_fd_ = true;
    struct stat st {};
    if (::fstat(fd_, &st) == 0 && S_ISDIR(st.st_mode)) {
      ::close(fd_);
      throw Error(name_, "is a directory");
    }
  }
  // Sniff the zstd magic number from the first raw bytes; they stay in buf_ for whichever path reads them.
  try {
    while (end_ < sizeof kZstdMagic) {
      size_t n = read_raw(buf_.data() + end_, sizeof kZstdMagic - end_);
      if (n == 0) break;
      end_ += n;
    }
  } catch (...) {  // the destructor does not run for a constructor that throws
    if (own_fd_) ::close(fd_);
    throw;
  }
  if (end_ == sizeof kZstdMagic && std::memcmp(buf_.data(), kZstdMagic, sizeof kZstdMagic) == 0) {
    zstd_ = std::make_unique<Zstd>();
    std::memcpy(zstd_->raw.data(), buf_.data(), end_);
    zstd_->in.size = end_;
    end_ = 0;
  }
  if (end_ == 0 && !zstd_) eof_ = true;
}

InputFile::~InputFile() {
  if (own_fd_ && fd_ >= 0) ::close(fd_);
}

size_t InputFile::read_raw(void* dst, size_t n) {
  for (;;) {
    ssize_t r = ::read(fd_, dst, n);
    if (r >= 0) return static_cast<size_t>(r);
    if (errno == EINTR) continue;
    throw Error(name_, "read failed: " + errno_text(errno));
  }
}

size_t InputFile::fill() {
  pos_ = end_ = 0;
  if (pending_) std::rethrow_exception(std::exchange(pending_, nullptr));
  if (eof_) return 0;
  if (!zstd_) {
    end_ = read_raw(buf_.data(), buf_.size());
    if (end_ == 0) eof_ = true;
    return end_;
  }
  Zstd& z = *zstd_;
  while (end_ == 0) {
    if (z.in.pos == z.in.size && !z.raw_eof) {
      z.in.size = read_raw(z.raw.data(), z.raw.size());
      z.in.pos = 0;
      if (z.in.size == 0) z.raw_eof = true;
    }
    if (z.in.pos == z.in.size && z.raw_eof) {
      if (z.last != 0) throw Error(name_, "truncated zstd stream (the compressed data ends inside a frame)");
      eof_ = true;
      return 0;
    }
    ZSTD_outBuffer out{buf_.data(), buf_.size(), 0};
    z.last = ZSTD_decompressStream(z.ds, &out, &z.in);
    if (ZSTD_isError(z.last)) throw Error(name_, std::string("corrupt zstd data: ") + ZSTD_getErrorName(z.last));
    end_ = out.pos;
  }
  return end_;
}

size_t InputFile::read(void* dst, size_t n) {
  size_t done = 0;
  char* out = static_cast<char*>(dst);
  while (done < n) {
    if (pos_ == end_) {
      // An error after some bytes were delivered (a truncated zstd tail) is raised by the next read, so the
      // caller gets every complete byte first: a crashed writer's records stay readable.
      try {
        if (fill() == 0) break;
      } catch (const Error&) {
        if (done == 0) throw;
        pending_ = std::current_exception();
        break;
      }
    }
    size_t k = std::min(n - done, end_ - pos_);
    std::memcpy(out + done, buf_.data() + pos_, k);
    pos_ += k;
    done += k;
  }
  offset_ += done;
  return done;
}

int InputFile::peek() {
  if (pos_ == end_ && fill() == 0) return -1;
  return static_cast<unsigned char>(buf_[pos_]);
}

bool InputFile::read_line(std::string& line, size_t max_bytes) {
  line.clear();
  bool any = false;
  for (;;) {
    if (pos_ == end_ && fill() == 0) return any;
    any = true;
    const char* start = buf_.data() + pos_;
    const void* nl = std::memchr(start, '\n', end_ - pos_);
    size_t k = nl ? static_cast<const char*>(nl) - start : end_ - pos_;
    if (line.size() + k > max_bytes) {
      throw Error(name_, "line at byte " + std::to_string(offset_) + " is longer than the limit of " +
                             std::to_string(max_bytes) + " bytes");
    }
    line.append(start, k);
    pos_ += k + (nl ? 1 : 0);
    offset_ += k + (nl ? 1 : 0);
    if (nl) return true;
  }
}

// ---- OutputFile -----------------------------------------------------------------------------------------------

struct OutputFile::Zstd {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  std::vector<char> out = std::vector<char>(ZSTD_CStreamOutSize());
  ~Zstd() { ZSTD_freeCCtx(cctx); }
};

OutputFile::OutputFile(const std::string& path, Compression compression, int zstd_level, const std::string& journal)
    : path_(path), name_(display_name(path, true)), journal_(!journal.empty()) {
  if (journal_) {
    if (path == "-") throw Error(name_, "a journal needs a file, not standard output");
    tmp_ = journal;
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd_ < 0) throw Error(display_name(journal, true), "cannot create: " + errno_text(errno));
  } else if (path == "-") {
    fd_ = STDOUT_FILENO;
  } else {
    struct stat st {};
    bool special = ::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode);  // /dev/null, a FIFO: write in place
    if (special) {
      if (S_ISDIR(st.st_mode)) throw Error(name_, "is a directory");
      fd_ = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    } else {
      tmp_ = path + ".tmp-" + std::to_string(::getpid());
      fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    }
    if (fd_ < 0) throw Error(name_, "cannot create: " + errno_text(errno));
  }
  bool zstd = compression == Compression::Zstd || (compression == Compression::Auto && ends_with(path, ".zst"));
  if (zstd) {
    zstd_ = std::make_unique<Zstd>();
    ZSTD_CCtx_setParameter(zstd_->cctx, ZSTD_c_compressionLevel, zstd_level);
    ZSTD_CCtx_setParameter(zstd_->cctx, ZSTD_c_checksumFlag, 1);
  }
  buf_.reserve(kChunk);
}

OutputFile::~OutputFile() {
  if (fd_ >= 0 && fd_ != STDOUT_FILENO) ::close(fd_);
  if (!committed_ && !tmp_.empty() && !journal_) ::unlink(tmp_.c_str());
}

void OutputFile::write_raw(const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = ::write(fd_, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EPIPE) throw BrokenPipe();
      throw Error(name_, "write failed: " + errno_text(errno));
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
}

void OutputFile::emit(const char* data, size_t n) {
  if (!zstd_) {
    write_raw(data, n);
    return;
  }
  ZSTD_inBuffer in{data, n, 0};
  while (in.pos < in.size) {
    ZSTD_outBuffer out{zstd_->out.data(), zstd_->out.size(), 0};
    size_t r = ZSTD_compressStream2(zstd_->cctx, &out, &in, ZSTD_e_continue);
    if (ZSTD_isError(r)) throw Error(name_, std::string("zstd compression failed: ") + ZSTD_getErrorName(r));
    write_raw(zstd_->out.data(), out.pos);
  }
}

void OutputFile::write(const void* data, size_t n) {
  if (committed_) throw Error(name_, "write after the file was committed");
  if (buf_.size() + n > kChunk) {
    emit(buf_.data(), buf_.size());
    buf_.clear();
  }
  if (n >= kChunk) {
    emit(static_cast<const char*>(data), n);  // large blocks (pixels) go out without a copy
    return;
  }
  buf_.insert(buf_.end(), static_cast<const char*>(data), static_cast<const char*>(data) + n);
}

void OutputFile::flush() {
  if (committed_) return;
  emit(buf_.data(), buf_.size());
  buf_.clear();
  if (zstd_) {
    ZSTD_inBuffer in{nullptr, 0, 0};
    size_t left;
    do {
      ZSTD_outBuffer out{zstd_->out.data(), zstd_->out.size(), 0};
      left = ZSTD_compressStream2(zstd_->cctx, &out, &in, ZSTD_e_end);
      if (ZSTD_isError(left)) throw Error(name_, std::string("zstd compression failed: ") + ZSTD_getErrorName(left));
      write_raw(zstd_->out.data(), out.pos);
    } while (left != 0);
  }
}

void OutputFile::commit() {
  if (committed_) return;
  flush();
  if (!tmp_.empty()) {
    if (::fsync(fd_) != 0) throw Error(name_, "fsync failed: " + errno_text(errno));
    if (::close(fd_) != 0) {
      fd_ = -1;
      throw Error(name_, "close failed: " + errno_text(errno));
    }
    fd_ = -1;
    if (::rename(tmp_.c_str(), path_.c_str()) != 0) throw Error(name_, "rename failed: " + errno_text(errno));
  }
  committed_ = true;
}

}  // namespace grove::io
