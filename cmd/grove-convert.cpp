// grove-convert: conversions between grove streams and other formats, and between weight files and model
// directories; see man/man1/grove-convert.1.
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "arch/import.h"
#include "arch/layout.h"
#include "arch/model_dir.h"
#include "cli/progress.h"
#include "core/error.h"
#include "cli/tool.h"
#include "io/schema.h"
#include "io/dataset_import.h"
#include "io/file.h"
#include "io/limits.h"
#include "io/prediction_pickle.h"
#include "io/shard.h"
#include "io/weights.h"
#include "io/stream.h"
#include "io/torch_save.h"
#include "text/token_lines.h"
#include "text/tokenizer.h"

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

std::optional<grove::io::DType> parse_weight_dtype(const std::string& s) {
  if (s == "keep") return std::nullopt;
  if (s == "f32" || s == "float32") return grove::io::DType::F32;
  if (s == "bf16" || s == "bfloat16") return grove::io::DType::BF16;
  if (s == "f16" || s == "float16") return grove::io::DType::F16;
  throw grove::Error("--dtype", "'" + s + "' is not keep, f32, bf16 or f16");
}

// Prints what an import did, and fails (naming every problem) when the model would be incomplete.
void report_import(grove::cli::Tool& tool, const grove::arch::ImportReport& r, bool allow_unexpected) {
  using grove::cli::info;
  for (const auto& [path, n] : r.taken) info(std::to_string(n) + " tensors from " + path);
  if (r.dropped_region_encoder) info(std::to_string(r.dropped_region_encoder) + " tensors of the unused region encoder dropped");
  if (r.ignored) info(std::to_string(r.ignored) + " tensors GROVE does not use ignored (e.g. CLIP's text tower)");
  if (!r.fresh.empty()) info(std::to_string(r.fresh.size()) + " tensors initialised afresh (adapters, box and objectness heads)");
  for (const auto& c : r.changed) info(c);
  for (const auto& u : r.unexpected) grove::cli::warning("", "unexpected tensor " + u);
  std::vector<std::string> problems;
  for (const auto& m : r.missing) problems.push_back("missing " + m);
  for (const auto& m : r.mismatched) problems.push_back(m);
  if (!allow_unexpected)
    for (const auto& u : r.unexpected) problems.push_back("unexpected " + u);
  if (!problems.empty()) {
    for (const auto& p : problems) grove::cli::error("", p);
    throw grove::Error("", grove::arch::summarize_problems(problems, 3) + " (all listed above)");
  }
}

std::string read_all(const std::string& path, std::string* name = nullptr) {
  grove::io::InputFile in(path);
  std::string data;
  char buf[1 << 16];
  for (size_t n; (n = in.read(buf, sizeof buf)) > 0;) data.append(buf, n);
  if (name) *name = in.name();
  return data;
}

Record read_json(const std::string& path) {
  std::string name;
  std::string text = read_all(path, &name);
  Record v = Record::parse(text, nullptr, false);
  if (v.is_discarded()) throw grove::Error(name, "not valid JSON");
  return v;
}

// The file's name without directories and extensions ("dir/v1_3.pkl" -> "v1_3").
std::string stem(const std::string& path) {
  std::string b = path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
  return b.substr(0, b.find('.'));
}

// Writes imported samples and turns each failed clip into an error record.
int write_import(grove::cli::Tool& tool, const WriteOptions& w, const std::vector<std::pair<std::string, grove::io::ImportResult>>& results) {
  auto out = w.open(grove::io::make_header("grove-convert"));
  size_t n = 0;
  for (const auto& [source, r] : results) {
    for (const auto& x : r.samples) {
      out->write(x);
      ++n;
    }
    for (const auto& f : r.failures) {
      tool.record_failed("", f.message);
      out->write(grove::io::make_error(f.id, "grove-convert", source, f.message));
    }
  }
  out->commit();
  tool.summary(std::to_string(n) + " samples written to " + out->name() + ", " + std::to_string(tool.failures()) + " failed");
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
  inspect->add_option("weights", weight_files,
                      "Model directories; safetensors files, index .json or directories; PyTorch .bin/.pt/.pth")
      ->required()
      ->type_name("FILE...");
  inspect->add_flag("--tensors", inspect_all, "List every tensor, not only the groups");

  // ---- model directories ----
  std::string model_out, config_name = "grove-7b", glamm_config_name = "glamm-7b", tokenizer_dir, dtype_name = "keep",
              clip_dir, sam_file, glamm_dir;
  std::vector<std::string> base_files;
  std::string checkpoint;
  bool force = false, allow_unexpected = false;
  uint64_t seed = 42;
  auto add_model_options = [&](CLI::App* verb, std::string* config = nullptr, const char* default_config = "grove-7b") {
    verb->add_option("-o,--output", model_out, "The model directory to create")->required()->type_name("DIR");
    verb->add_option("--config", config ? *config : config_name, "Architecture: a shipped config name or a config.json")
        ->default_val(default_config)->type_name("NAME|FILE");
    verb->add_option("--dtype", dtype_name, "Store the weights as keep|f32|bf16|f16")->default_val("keep");
    verb->add_flag("--force", force, "Replace the output directory if it exists");
  };
  auto* import_grove = app.add_subcommand(
      "import-grove", "A released GROVE checkpoint (.bin) + the GLaMM tokenizer -> a model directory");
  import_grove->add_option("checkpoint", checkpoint, "grove_pt_howtoground1m_ckpt.bin, grove_ft_iground_ckpt.bin, ...")
      ->required()->type_name("FILE");
  import_grove->add_option("--tokenizer", tokenizer_dir, "Folder with tokenizer.model (the GLaMM download)")
      ->required()->type_name("DIR");
  import_grove->add_option("--base", base_files, "Weights for tensors the checkpoint lacks (GLaMM download, ...)")
      ->type_name("FILE|DIR");
  import_grove->add_option("--clip", clip_dir, "CLIP download, for vision-tower tensors the checkpoint lacks")
      ->type_name("DIR");
  import_grove->add_flag("--allow-unexpected", allow_unexpected, "Drop tensors the network does not have instead of failing");
  add_model_options(import_grove);

  auto* init = app.add_subcommand(
      "init", "A pre-training start from GLaMM + CLIP + SAM downloads -> a model directory (as train.py builds it)");
  init->add_option("--glamm", glamm_dir, "MBZUAI/GLaMM-GranD-Pretrained download (weights and tokenizer)")
      ->required()->type_name("DIR");
  init->add_option("--clip", clip_dir, "openai/clip-vit-large-patch14-336 download")->required()->type_name("DIR|FILE");
  init->add_option("--sam", sam_file, "sam_vit_h_4b8939.pth, for SAM tensors GLaMM lacks")->type_name("FILE");
  init->add_option("--tokenizer", tokenizer_dir, "Tokenizer folder (default: the GLaMM download)")->type_name("DIR");
  init->add_option("--seed", seed, "Seed of the fresh adapters and heads")->default_val(42);
  init->add_flag("--allow-unexpected", allow_unexpected, "Drop tensors the network does not have instead of failing");
  add_model_options(init);

  auto* import_glamm = app.add_subcommand(
      "import-glamm", "A GLaMM download (MBZUAI/GLaMM-GCG, ...) + CLIP -> a glamm-style model directory (grove-annotate's stage 1)");
  import_glamm->add_option("--glamm", glamm_dir, "The GLaMM download (weights, tokenizer.model, added_tokens.json)")
      ->required()->type_name("DIR");
  import_glamm->add_option("--clip", clip_dir, "openai/clip-vit-large-patch14-336 download (GLaMM's files lack the vision tower)")
      ->required()->type_name("DIR|FILE");
  import_glamm->add_option("--tokenizer", tokenizer_dir, "Tokenizer folder (default: the GLaMM download)")->type_name("DIR");
  import_glamm->add_flag("--allow-unexpected", allow_unexpected, "Drop tensors the network does not have instead of failing");
  add_model_options(import_glamm, &glamm_config_name, "glamm-7b");

  auto* random_verb = app.add_subcommand(
      "random", "A model directory of random weights, any size (speed measurements and tests; no tokenizer)");
  random_verb->add_option("--seed", seed, "Seed of the values")->default_val(42);
  std::string init_name = "uniform";
  random_verb
      ->add_option("--init", init_name,
                   "uniform: every tensor in +-1/sqrt(fan_in) (speed, tests); scratch: as the original's modules "
                   "start when built afresh (Hugging Face's init for LLaMA and CLIP, torch.nn's for SAM), to train "
                   "from scratch")
      ->check(CLI::IsMember({"uniform", "scratch"}))
      ->default_val("uniform");
  random_verb->add_option("--tokenizer", tokenizer_dir, "Tokenizer folder to include (ids checked against the config)")
      ->type_name("DIR");
  std::string warm_from;
  random_verb->add_option("--from", warm_from, "Warm start: every tensor this model directory holds under the same name "
                                               "and shape is copied instead of drawn (to grow a trained model)")
      ->type_name("DIR");
  add_model_options(random_verb);

  std::string model_dir, export_out;
  auto* export_verb = app.add_subcommand(
      "export", "A model directory -> one flat torch.save state dict the original Python code loads");
  export_verb->add_option("model", model_dir, "Model directory")->required()->type_name("DIR");
  export_verb->add_option("-o,--output", export_out, "The .bin file to write")->required()->type_name("FILE");

  std::string pixels_out = "-";
  auto* pixels = app.add_subcommand("pixels", "The raw RGB24 bytes of every frame of frames records, in order");
  add_inputs(pixels);
  grove::cli::Tool::add_output(*pixels, pixels_out, "raw pixels");

  std::vector<std::string> compared;
  double tolerance = 0;
  auto* compare = app.add_subcommand("compare", "Compare two model directories or safetensors files tensor by tensor");
  compare->add_option("weights", compared, "The two model directories or safetensors files")->required()->expected(2)
      ->type_name("A B");
  compare->add_option("--tolerance", tolerance, "Largest absolute difference allowed (exit 1 above it)")->default_val(0.0);

  // ---- the original's pickles ----
  std::string pickle_in, pickle_out;
  auto* to_pickle = app.add_subcommand("to-pickle", "Prediction records -> the original's prediction pickle (eval_iground.py reads it)");
  add_inputs(to_pickle);
  to_pickle->add_option("-o,--output", pickle_out, "The .pkl file to write")->required()->type_name("FILE");
  std::string pickle_layout = "iground", pickle_samples;
  auto* from_pickle = app.add_subcommand("from-pickle", "The original's prediction pickles (iGround, VidSTG, ActivityNet-Entities, "
                                                        "YouCook-Interactions / GroundingYouTube) -> prediction records");
  from_pickle->add_option("pickle", pickle_in, "The infer_*.py script's output ('-': stdin)")->required()->type_name("FILE");
  from_pickle->add_option("--layout", pickle_layout, "Whose output: iground (infer_iground.py), vidstg, anet (the JSON "
                                                     "submission or its pickle), youcook (infer_youcookinteractions.py, "
                                                     "infer_groundingyoutube.py)")
      ->check(CLI::IsMember({"iground", "vidstg", "anet", "youcook"}))->default_str("iground")->type_name("NAME");
  from_pickle->add_option("--samples", pickle_samples, "Ground-truth sample records of the clips (import-youcook's output): "
                                                       "the youcook layout takes its frame numbers from them")
      ->type_name("FILE");
  w.add_to(*from_pickle);

  // ---- the original's annotation files ----
  std::vector<std::string> ann_files;
  std::string ann_dataset, ann_split, split_ids_file, timestamps_file;
  std::vector<std::string> anet_splits;
  auto* import_iground = app.add_subcommand(
      "import-iground", "iGround / HowToGround1M annotations (pickles: one dict or one file per clip; JSON Lines) -> sample records");
  import_iground->add_option("files", ann_files, "Annotation files: .pkl (a dict of clips, or one clip named by the file), .jsonl")
      ->required()->type_name("FILE...");
  import_iground->add_option("--dataset", ann_dataset, "The records' dataset field (default iground)")->default_str("iground")->type_name("NAME");
  auto* import_vidstg = app.add_subcommand("import-vidstg", "VidSTG annotations (TubeDETR's {split}.json) -> sample records");
  import_vidstg->add_option("files", ann_files, "VidSTG JSON files")->required()->type_name("FILE...");
  auto* import_anet = app.add_subcommand(
      "import-anet", "ActivityNet-Entities annotations (anet_entities_cleaned_class_thresh50_*.json) -> sample records");
  import_anet->add_option("files", ann_files, "ActivityNet-Entities JSON files")->required()->type_name("FILE...");
  import_anet->add_option("--split-ids", split_ids_file, "split_ids_anet_entities.json: keep only the videos of --anet-split")
      ->type_name("FILE");
  import_anet->add_option("--anet-split", anet_splits, "Split(s) of --split-ids to keep (default: validation)")->type_name("NAME");
  import_anet->add_option("--timestamps", timestamps_file, "The per-video frame timestamps (the original's "
                                                           "timestamps_metadata.json)")->type_name("FILE");
  auto* import_youcook = app.add_subcommand(
      "import-youcook", "YouCook-Interactions / GroundingYouTube ground-truth pickles -> sample records");
  import_youcook->add_option("files", ann_files, "Ground-truth pickles (a list of segments)")->required()->type_name("FILE...");
  import_youcook->add_option("--dataset", ann_dataset, "youcook or groundingyoutube (the segment_{dataset}_idx key)")
      ->check(CLI::IsMember({"youcook", "groundingyoutube"}))->default_str("youcook")->type_name("NAME");
  for (auto* verb : {import_iground, import_vidstg, import_anet, import_youcook}) {
    verb->add_option("--split", ann_split, "The records' split field (e.g. val, test)")->type_name("NAME");
    w.add_to(*verb);
  }

  // ---- text ----
  std::string tok_dir, text_in = "-", text_out = "-";
  bool no_bos = false, as_prompt = false, as_pieces = false, escapes = false, use_json = false;
  auto* tokenize = app.add_subcommand("tokenize", "Texts -> token ids, one text a line, with a model's tokenizer");
  auto* detokenize = app.add_subcommand("detokenize", "Token ids -> texts, one sequence a line");
  for (auto* verb : {tokenize, detokenize}) {
    verb->add_option("model", tok_dir, "Model directory or tokenizer folder (tokenizer.model or tokenizer.json, "
                                       "added_tokens.json)")->required()->type_name("DIR");
    verb->add_option("-i,--input", text_in, "Input lines ('-': stdin)")->default_str("-")->type_name("FILE");
    grove::cli::Tool::add_output(*verb, text_out, "output lines");
    verb->add_flag("-e,--escapes", escapes, "Texts use the escapes \\n \\t \\r \\\\ (one text a line even with newlines)");
    verb->add_flag("--tokenizer-json", use_json, "Use tokenizer.json even when tokenizer.model is present");
  }
  tokenize->add_flag("--no-bos", no_bos, "Do not prepend <s> (add_special_tokens=False)");
  tokenize->add_flag("--prompt", as_prompt, "Encode as the model's prompt: split at <video>, which becomes -200");
  tokenize->add_flag("--pieces", as_pieces, "Write the pieces (tokens as text) instead of their ids");

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
        const bool is_model = grove::arch::ModelDir::is_model_dir(path);
        std::vector<grove::io::WeightInfo> weights;
        std::unique_ptr<grove::arch::ModelDir> model;
        if (is_model) {
          model = std::make_unique<grove::arch::ModelDir>(path, false);
          weights = grove::io::list_weights(model->weights());
          std::cout << path << ": model " << model->config().name << ", " << weights.size() << " tensors\n";
        } else {
          weights = grove::io::list_weights(path);
          std::cout << path << ": " << grove::io::weights_format(path) << ", " << weights.size() << " tensors\n";
        }
        // Groups: the network's components for GROVE names, else the first two parts of the name.
        std::map<std::string, std::pair<size_t, int64_t>> groups;
        std::map<std::string, int64_t> dtypes;
        int64_t params = 0, bytes = 0;
        for (const auto& w : weights) {
          std::string g = grove::arch::tensor_group(w.name);
          if (g.empty()) g = w.name.substr(0, w.name.find('.', w.name.find('.') + 1));
          groups[g].first += 1;
          groups[g].second += w.numel();
          dtypes[grove::io::dtype_name(w.dtype)] += w.numel();
          params += w.numel();
          bytes += w.numel() * static_cast<int64_t>(grove::io::dtype_size(w.dtype));
          if (inspect_all) {  // shapes as 3x4, one token per column for cut and awk
            std::string shape;
            for (size_t i = 0; i < w.shape.size(); ++i) shape += (i ? "x" : "") + std::to_string(w.shape[i]);
            std::cout << "  " << w.name << "\t" << grove::io::dtype_name(w.dtype) << "\t[" << shape << "]\n";
          }
        }
        for (const auto& [g, c] : groups) std::cout << "  group " << g << "\t" << c.first << " tensors\t" << c.second << " parameters\n";
        for (const auto& [d, n] : dtypes) std::cout << "  dtype " << d << "\t" << n << " parameters\n";
        std::cout << "  total\t" << params << " parameters\t" << bytes << " bytes\n";
        if (model) {
          auto problems = grove::arch::check_weights(model->config(), weights);
          for (const auto& p : problems) tool.record_failed(path, p);
          std::cout << "  check\t" << (problems.empty() ? "complete: every tensor of the layout, nothing else"
                                                         : std::to_string(problems.size()) + " problems") << "\n";
        }
      }
      return tool.status();
    }
    if (*import_grove || *init || *import_glamm) {
      const grove::arch::Config config = grove::arch::find_config(*import_glamm ? glamm_config_name : config_name);
      if (*import_glamm && !config.glamm())
        throw grove::Error(glamm_config_name, "import-glamm needs a config of style \"glamm\" (e.g. glamm-7b)");
      std::vector<grove::arch::Source> sources;
      grove::arch::ImportOptions options;
      options.dtype = parse_weight_dtype(dtype_name);
      options.seed = seed;
      using grove::arch::SourceKind;
      if (*import_glamm) {
        // GLaMM's own SAM (its grounding encoder, fine-tuned) and CLIP from OpenAI's download, as GLaMM loads it.
        sources.push_back({SourceKind::Clip, clip_dir});
        sources.push_back({SourceKind::Grove, glamm_dir});
        if (tokenizer_dir.empty()) tokenizer_dir = glamm_dir;
      } else if (*import_grove) {
        sources.push_back({SourceKind::Grove, checkpoint});
        for (const auto& b : base_files) sources.push_back({SourceKind::Grove, b});
        if (!clip_dir.empty()) sources.push_back({SourceKind::Clip, clip_dir});
      } else {
        // train.py loads CLIP afresh from OpenAI's weights after GLaMM's; SAM's own weights only fill what GLaMM lacks.
        sources.push_back({SourceKind::Clip, clip_dir});
        sources.push_back({SourceKind::Grove, glamm_dir});
        if (!sam_file.empty()) sources.push_back({SourceKind::Sam, sam_file});
        options.fresh_new_layers = true;
        if (tokenizer_dir.empty()) tokenizer_dir = glamm_dir;
      }
      auto tokenizer = grove::arch::prepare_tokenizer(tokenizer_dir, config);
      auto imported = grove::arch::import_weights(config, sources, options);
      report_import(tool, imported.report, allow_unexpected);
      grove::arch::ModelWriteOptions write;
      write.replace = force;
      write.metadata["grove_source"] = *init           ? "grove-convert init"
                                       : *import_glamm ? "grove-convert import-glamm " + glamm_dir
                                                       : "grove-convert import-grove " + checkpoint;
      grove::arch::write_model_dir(model_out, config, imported.views(), tokenizer.texts, tokenizer.copies, write);
      tool.summary(std::to_string(imported.tensors.size()) + " tensors written to " + model_out);
      return tool.status();
    }
    if (*random_verb) {
      const grove::arch::Config config = grove::arch::find_config(config_name);
      const auto dtype = parse_weight_dtype(dtype_name).value_or(grove::io::DType::F32);
      grove::arch::ModelWriteOptions write;
      write.replace = force;
      write.fill = grove::arch::random_fill(
          seed, init_name == "scratch" ? grove::arch::RandomInit::Scratch : grove::arch::RandomInit::Uniform, config);
      write.metadata["grove_source"] = "grove-convert random (random values, not a trained model)";
      auto layout = grove::arch::random_layout(config, dtype);
      std::unique_ptr<grove::arch::ModelDir> warm;
      size_t copied = 0;
      if (!warm_from.empty()) {
        warm = std::make_unique<grove::arch::ModelDir>(warm_from);
        const auto& source = warm->weights();
        auto in_source = [&source](const grove::io::TensorView& t) {
          return source.contains(t.name) && source.get(t.name).shape == t.shape;
        };
        for (const auto& t : layout) copied += in_source(t);
        if (copied == 0) throw grove::Error(warm_from, "no tensor of the same name and shape as " + config_name + "'s");
        write.fill = [&source, in_source, random = write.fill](const grove::io::TensorView& t, uint8_t* dst) {
          if (!in_source(t)) return random(t, dst);
          const auto bytes = grove::io::convert_dtype(source.get(t.name), t.dtype);
          std::memcpy(dst, bytes.data(), bytes.size());
        };
        write.metadata["grove_source"] = "grove-convert random --from " + warm_from + " (" +
                                         std::to_string(layout.size() - copied) + " of " +
                                         std::to_string(layout.size()) + " tensors random)";
      }
      grove::arch::TokenizerFiles tokenizer;
      if (!tokenizer_dir.empty()) tokenizer = grove::arch::prepare_tokenizer(tokenizer_dir, config);
      grove::arch::write_model_dir(model_out, config, layout, tokenizer.texts, tokenizer.copies, write);
      tool.summary(warm ? std::to_string(copied) + " tensors from " + warm_from + " and " +
                              std::to_string(layout.size() - copied) + " random ones written to " + model_out
                        : std::to_string(layout.size()) + " random tensors written to " + model_out);
      return tool.status();
    }
    if (*export_verb) {
      grove::arch::ModelDir model(model_dir);
      std::vector<grove::io::TensorView> views;
      for (const auto& n : model.weights().names()) views.push_back(model.weights().get(n));
      grove::io::write_torch_state_dict(export_out, views);
      tool.summary(std::to_string(views.size()) + " tensors written to " + export_out);
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
    if (*compare) {
      grove::io::SafetensorsSet a(compared[0]), b(compared[1]);  // a model directory's weights, or files
      double worst = 0;
      std::string worst_name;
      size_t differing = 0;
      for (const auto& name : a.names()) {
        if (!b.contains(name)) {
          tool.record_failed(compared[1], "has no tensor " + name);
          continue;
        }
        const auto &x = a.get(name), &y = b.get(name);
        if (x.shape != y.shape) {
          tool.record_failed(name, "shapes differ: " + grove::arch::shape_string(x.shape) + " and " +
                                       grove::arch::shape_string(y.shape));
          continue;
        }
        double d = 0;
        if (!grove::io::is_floating(x.dtype) || !grove::io::is_floating(y.dtype)) {  // e.g. a generator's state
          d = x.dtype == y.dtype && x.nbytes == y.nbytes && std::memcmp(x.data, y.data, x.nbytes) == 0 ? 0 : 1;
        } else {
          const auto fx = grove::io::to_float(x), fy = grove::io::to_float(y);
          for (size_t i = 0; i < fx.size(); ++i) d = std::max(d, static_cast<double>(std::abs(fx[i] - fy[i])));
        }
        if (d > 0) ++differing;
        if (d > worst) worst = d, worst_name = name;
        if (d > tolerance) std::cout << name << "\t" << d << "\n";
      }
      for (const auto& name : b.names())
        if (!a.contains(name)) tool.record_failed(compared[0], "has no tensor " + name);
      std::cout << "tensors\t" << a.names().size() << "\ndiffering\t" << differing << "\nmax_abs_diff\t" << worst
                << (worst_name.empty() ? "" : "\t" + worst_name) << "\n";
      if (worst > tolerance) tool.record_failed("", "largest difference " + std::to_string(worst) + " exceeds the tolerance " +
                                                     std::to_string(tolerance));
      return tool.status();
    }
    if (*to_pickle) {
      std::vector<Record> predictions;
      size_t other = 0;
      for (const auto& path : inputs) {
        StreamReader in(path);
        Record r;
        while (in.next(r)) {
          if (grove::io::record_type(r) == "prediction") predictions.push_back(std::move(r));
          else ++other;
        }
      }
      grove::io::OutputFile out(pickle_out, grove::io::OutputFile::Compression::None);
      out.write(grove::io::predictions_to_pickle(predictions));
      out.commit();
      tool.summary(std::to_string(predictions.size()) + " predictions written to " + out.name() +
                   (other ? " (" + std::to_string(other) + " other records left out)" : ""));
      return tool.status();
    }
    if (*from_pickle) {
      grove::io::InputFile in(pickle_in);
      std::string data;
      char buf[1 << 16];
      for (size_t n; (n = in.read(buf, sizeof buf)) > 0;) data.append(buf, n);
      grove::io::PredictionImport result;
      if (pickle_layout == "iground") {
        result.predictions = grove::io::predictions_from_pickle(data, in.name());
      } else if (pickle_layout == "vidstg") {
        result = grove::io::vidstg_predictions_from_pickle(data, in.name());
      } else if (pickle_layout == "anet") {
        result = grove::io::anet_predictions_from_submission(data, in.name());
      } else {
        if (pickle_samples.empty())
          throw grove::Error(in.name(), "--layout youcook needs --samples: the pickle has no frame rate, the frame numbers "
                                        "come from the ground-truth sample records (grove-convert import-youcook)");
        std::vector<Record> samples;
        StreamReader sin(pickle_samples);
        for (Record r; sin.next(r);)
          if (grove::io::record_type(r) == "sample") samples.push_back(std::move(r));
        result = grove::io::youcook_predictions_from_pickle(data, samples, in.name());
      }
      auto out = w.open(grove::io::make_header("grove-convert"));
      for (const auto& r : result.predictions) out->write(r);
      for (const auto& f : result.failures) {
        tool.record_failed("", f.message);
        out->write(grove::io::make_error(f.id, "grove-convert", in.name(), f.message));
      }
      out->commit();
      tool.summary(std::to_string(result.predictions.size()) + " predictions written to " + out->name() +
                   (result.failures.empty() ? "" : ", " + std::to_string(result.failures.size()) + " failed"));
      return tool.status();
    }
    if (*import_iground || *import_vidstg || *import_anet || *import_youcook) {
      std::vector<std::pair<std::string, grove::io::ImportResult>> results;
      grove::io::ImportTags tags;
      tags.split = ann_split;
      if (*import_iground) {
        tags.dataset = ann_dataset.empty() ? "iground" : ann_dataset;
        for (const auto& f : ann_files) {
          std::string name;
          std::string data = read_all(f, &name);
          const size_t first = data.find_first_not_of(" \t\r\n");
          if (first != std::string::npos && data[first] == '{') results.emplace_back(name, grove::io::import_howtoground_jsonl(data, tags, name));
          else results.emplace_back(name, grove::io::import_howtoground_pickle(data, stem(f), tags, name));
        }
      } else if (*import_vidstg) {
        tags.dataset = "vidstg";
        for (const auto& f : ann_files) results.emplace_back(f, grove::io::import_vidstg(read_json(f), tags, f));
      } else if (*import_anet) {
        tags.dataset = "anet-entities";
        Record ids = split_ids_file.empty() ? Record() : read_json(split_ids_file);
        Record ts = timestamps_file.empty() ? Record() : read_json(timestamps_file);
        if (anet_splits.empty()) anet_splits = {"validation"};
        for (const auto& f : ann_files) results.emplace_back(f, grove::io::import_anet(read_json(f), ids, anet_splits, ts, tags, f));
      } else {
        const std::string ds = ann_dataset.empty() ? "youcook" : ann_dataset;
        tags.dataset = ds == "youcook" ? "youcook-interactions" : "groundingyoutube";
        for (const auto& f : ann_files) {
          std::string name;
          std::string data = read_all(f, &name);
          results.emplace_back(name, grove::io::import_youcook_pickle(data, ds, tags, name));
        }
      }
      return write_import(tool, w, results);
    }
    if (*tokenize || *detokenize) {
      const auto tokenizer = grove::text::Tokenizer::load(tok_dir, use_json);
      grove::io::InputFile in(text_in);
      grove::io::OutputFile out(text_out);
      std::string line;
      size_t n = 0;
      const size_t max_line = grove::io::ReadLimits::from_env().max_record_bytes;
      for (size_t k = 1; in.read_line(line, max_line); ++k, ++n) {
        const std::string where = in.name() + ":" + std::to_string(k);
        if (*tokenize) {
          const std::string text = escapes ? grove::text::unescape(line) : line;
          std::vector<int64_t> ids;
          if (as_prompt) {
            ids = tokenizer.encode_prompt(text);
            if (no_bos && !ids.empty()) ids.erase(ids.begin());
          } else {
            for (int32_t i : tokenizer.encode(text, !no_bos)) ids.push_back(i);
          }
          if (as_pieces) {
            std::string joined;
            for (size_t j = 0; j < ids.size(); ++j) {
              const std::string p = ids[j] < 0 ? "<video>" : tokenizer.pieces({static_cast<int32_t>(ids[j])}).at(0);
              joined += (j ? " " : "") + grove::text::escape(p);
            }
            out.write(joined + "\n");
          } else {
            out.write(grove::text::format_ids(ids) + "\n");
          }
        } else {
          // -200 (the video placeholder) becomes "<video>" between the decoded parts, as the prompt was written.
          std::string text;
          std::vector<int32_t> run;
          auto flush = [&] {
            text += tokenizer.decode(run);
            run.clear();
          };
          for (int64_t id : grove::text::parse_ids(line, where)) {
            if (id == -200) {
              flush();
              text += "<video>";
            } else if (id < 0 || id >= tokenizer.size()) {
              throw grove::Error(where, std::to_string(id) + " is outside the vocabulary (0.." +
                                            std::to_string(tokenizer.size() - 1) + " and -200) of " + tok_dir);
            } else {
              run.push_back(static_cast<int32_t>(id));
            }
          }
          flush();
          out.write((escapes ? grove::text::escape(text) : text) + "\n");
        }
      }
      out.commit();
      tool.summary(std::to_string(n) + " lines " + (*tokenize ? "tokenized" : "detokenized") + " with " +
                   tokenizer.source());
      return tool.status();
    }
    return grove::cli::kFatal;
  });
}
