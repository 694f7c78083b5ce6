// Writing pickles: the opcodes of protocols 2 and 3 that grove's outputs need (a torch.save state dict, the
// original's prediction pickles with numpy arrays), emitted in the order Python's pickler would run them.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace grove::io {

class PickleWriter {
 public:
  explicit PickleWriter(int protocol = 3);

  void global(const std::string& module, const std::string& name);  // GLOBAL module.name
  void mark();                                                       // MARK
  void tuple();                                                      // TUPLE: the items since the mark
  void empty_tuple();
  void empty_list();
  void empty_dict();
  void appends();   // APPENDS: the items since the mark to the list below it
  void setitems();  // SETITEMS: the key/value pairs since the mark to the dict below it
  void reduce();    // REDUCE: callable(args)
  void build();     // BUILD: obj.__setstate__(state)
  void persid();    // BINPERSID
  void none();
  void boolean(bool b);
  void integer(int64_t v);
  void real(double v);                  // BINFLOAT (big-endian double)
  void string(const std::string& s);    // BINUNICODE (UTF-8)
  void bytes(const std::string& b);     // BINBYTES (protocol 3)
  // A numpy float32 array as numpy 1.x pickles it: _reconstruct(ndarray, (0,), b'b') then its state.
  void float32_array(const std::vector<float>& values, const std::vector<int64_t>& shape);
  // STOP, and the finished pickle.
  std::string finish();

 private:
  std::string out_;
};

}  // namespace grove::io
