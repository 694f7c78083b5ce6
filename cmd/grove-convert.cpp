// grove-convert: conversions between grove streams and other formats. This first set of verbs works on streams
// themselves; see man/man1/grove-convert.1.
#include <iostream>
#include <map>
#include <memory>
#include <vector>

#include "cli/progress.h"
#include "cli/tool.h"
#include "io/schema.h"
#include "io/file.h"
#include "io/shard.h"
#include "io/weights.h"
#include "io/stream.h"

using grove::io::Encoding;
using grove::io::OutputFile;
using grove::io::Record;
using grove::io::StreamReader;
using grove::io::StreamWriter;

namespace {

struct WriteOptions {
  std::string output = "-";
  bool zstd = false, jsonl = false, msgpack = false;

  void add_to(CLI::App& verb) {
    grove::cli::Tool::add_output(verb, output);
    verb.add_flag("--zstd", zstd, "Compress the output with zstd (implied by a '.zst' suffix)");
    auto* j = verb.add_flag("--jsonl", jsonl, "Write JSON Lines (implied by a '.jsonl' suffix)");
    verb.add_flag("--msgpack", msgpack, "Write msgpack even to a '.jsonl' name")->excludes(j);
  }
  std::unique_ptr<StreamWriter> open(const Record& header, Encoding fallback = Encoding::Auto) const {
    Encoding e = jsonl ? Encoding::Jsonl : msgpack ? Encoding::Msgpack : fallback;
    return std::make_unique<StreamWriter>(output, header, e,
                                          zstd ? OutputFile::Compression::Zstd : OutputFile::Compression::Auto);
  }
};

// Copies every record of inputs to one output, keeping the first input's header: the format verbs change how a
// stream is stored, never what it says, which is what makes their round trips byte-identical.
int copy(grove::cli::Tool& tool, const std::vector<std::string>& inputs, const WriteOptions& w, Encoding fallback,
         size_t limit, const std::string& only_type) {
  std::unique_ptr<StreamWriter> out;
  grove::cli::Progress progress("records");
  size_t n = 0;
  for (const auto& path : inputs) {
    StreamReader in(path);
    if (!out) out = w.open(in.header(), fallback);
    Record r;
    while (n < limit && in.next(r)) {
      if (!only_type.empty() && grove::io::record_type(r) != only_type) continue;
      out->write(r);
      ++n;
      progress.add();
    }
    if (n >= limit) break;
  }
  out->commit();
  progress.finish();
  tool.summary(std::to_string(n) + " records written to " + out->name());
  return tool.status();
}

}  // namespace

int main(int argc, char** argv) {
  grove::cli::Tool tool("grove-convert", "Convert between grove streams and other formats.");
  CLI::App& app = tool.app();
  app.require_subcommand(1);

  std::vector<std::string> inputs{"-"};
  auto add_inputs = [&](CLI::App* verb) {
    verb->add_option("inputs", inputs, "Input streams (msgpack or JSON Lines, zstd or not; '-': stdin)")
        ->type_name("FILE...")
        ->default_str("-");
  };

  WriteOptions w;
  auto* to_jsonl = app.add_subcommand("to-jsonl", "Stream -> JSON Lines (lossless; binary fields as base64)");
  auto* from_jsonl = app.add_subcommand("from-jsonl", "JSON Lines -> msgpack stream (lossless)");
  auto* cat = app.add_subcommand("cat", "Concatenate streams; change encoding or compression");
  for (auto* verb : {to_jsonl, from_jsonl, cat}) {
    add_inputs(verb);
    w.add_to(*verb);
  }

  size_t head_n = 10;
  std::string head_type;
  auto* head = app.add_subcommand("head", "The first N records (header kept)");
  add_inputs(head);
  w.add_to(*head);
  head->add_option("-n,--records", head_n, "How many records")->default_val(10);
  head->add_option("--type", head_type, "Count and keep only records of this type")->type_name("TYPE");

  auto* count = app.add_subcommand("count", "Count records by type (a table on stdout)");
  add_inputs(count);

  int shards = 0;
  std::string pattern;
  auto* split = app.add_subcommand("split", "Split a stream into N shards (record k goes to shard k % N)");
  split->add_option("input", inputs, "Input stream ('-': stdin)")->type_name("FILE")->default_str("-");
  split->add_option("-n,--shards", shards, "Number of shards")->required()->check(CLI::Range(1, 100000));
  split->add_option("-o,--output", pattern, "Output pattern with {i} (shard) and optionally {n}, e.g. part-{i}.grove.zst")
      ->required()
      ->type_name("PATTERN");

  auto* validate = app.add_subcommand("validate", "Check every record against grove-stream(5)");
  add_inputs(validate);

  std::vector<std::string> weight_files;
  bool inspect_all = false;
  auto* inspect = app.add_subcommand("inspect", "Tensors, dtypes, shapes and parameter counts of weight files");
  inspect->add_option("weights", weight_files, "safetensors files, index .json or directories; PyTorch .bin/.pt/.pth")
      ->required()
      ->type_name("FILE...");
  inspect->add_flag("--tensors", inspect_all, "List every tensor, not only the groups");

  std::string pixels_out = "-";
  auto* pixels = app.add_subcommand("pixels", "The raw RGB24 bytes of every frame of frames records, in order");
  add_inputs(pixels);
  grove::cli::Tool::add_output(*pixels, pixels_out, "raw pixels");

  return tool.run(argc, argv, [&]() -> int {
    if (*to_jsonl) return copy(tool, inputs, w, Encoding::Jsonl, SIZE_MAX, "");
    if (*from_jsonl) return copy(tool, inputs, w, Encoding::Msgpack, SIZE_MAX, "");
    if (*cat) return copy(tool, inputs, w, Encoding::Auto, SIZE_MAX, "");
    if (*head) return copy(tool, inputs, w, Encoding::Auto, head_n, head_type);

    if (*count) {
      std::map<std::string, size_t> by_type;
      size_t total = 0;
      for (const auto& path : inputs) {
        StreamReader in(path);
        Record r;
        while (in.next(r)) {
          ++by_type[grove::io::record_type(r)];
          ++total;
        }
      }
      for (const auto& [type, k] : by_type) std::cout << type << "\t" << k << "\n";
      std::cout << "total\t" << total << "\n";
      return tool.status();
    }

    if (*split) {
      StreamReader in(inputs.at(0));
      std::vector<std::unique_ptr<StreamWriter>> outs;
      for (int i = 0; i < shards; ++i) {
        WriteOptions wi = w;
        wi.output = grove::io::shard_path(pattern, i, shards);
        outs.push_back(wi.open(in.header()));
      }
      Record r;
      size_t k = 0;
      for (; in.next(r); ++k) outs[k % shards]->write(r);
      for (auto& o : outs) o->commit();
      tool.summary(std::to_string(k) + " records split into " + std::to_string(shards) + " shards");
      return tool.status();
    }

    if (*validate) {
      size_t n = 0;
      for (const auto& path : inputs) {
        StreamReader in(path);
        Record r;
        for (size_t k = 1; in.next(r); ++k, ++n) {
          auto problems = grove::io::validate(r);
          std::string where = in.name() + ": record " + std::to_string(k);
          if (!grove::io::record_id(r).empty()) where += " (" + grove::io::record_id(r) + ")";
          for (const auto& p : problems) tool.record_failed(where, p);
        }
      }
      tool.summary(std::to_string(n) + " records checked, " + std::to_string(tool.failures()) + " problems");
      return tool.status();
    }
    if (*inspect) {
      for (const auto& path : weight_files) {
        auto weights = grove::io::list_weights(path);
        std::map<std::string, std::pair<size_t, int64_t>> groups;  // first two name parts -> tensors, parameters
        int64_t params = 0, bytes = 0;
        std::cout << path << ": " << grove::io::weights_format(path) << ", " << weights.size() << " tensors\n";
        for (const auto& w : weights) {
          std::string g = w.name.substr(0, w.name.find('.', w.name.find('.') + 1));
          groups[g].first += 1;
          groups[g].second += w.numel();
          params += w.numel();
          bytes += w.numel() * static_cast<int64_t>(grove::io::dtype_size(w.dtype));
          if (inspect_all) {
            std::string shape;
            for (size_t i = 0; i < w.shape.size(); ++i) shape += (i ? "x" : "") + std::to_string(w.shape[i]);
            std::cout << "  " << w.name << "\t" << grove::io::dtype_name(w.dtype) << "\t[" << shape << "]\n";
          }
        }
        for (const auto& [g, c] : groups) std::cout << "  group " << g << "\t" << c.first << " tensors\t" << c.second << " parameters\n";
        std::cout << "  total\t" << params << " parameters\t" << bytes << " bytes\n";
      }
      return tool.status();
    }
    if (*pixels) {
      grove::io::OutputFile out(pixels_out);
      size_t n = 0;
      for (const auto& path : inputs) {
        StreamReader in(path);
        Record r;
        while (in.next(r)) {
          if (grove::io::record_type(r) != "frames") continue;
          grove::io::require_valid(r, in.name());
          for (const auto& p : r["pixels"]) {
            out.write(p.get_binary().data(), p.get_binary().size());
            ++n;
          }
        }
      }
      out.commit();
      tool.summary(std::to_string(n) + " frames written to " + out.name());
      return tool.status();
    }
    return grove::cli::kFatal;
  });
}
