#include "arch/model_dir.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "arch/layout.h"
#include "core/error.h"

namespace fs = std::filesystem;

namespace grove::arch {

std::vector<std::string> compare_weights(const std::vector<TensorSpec>& expected,
                                         const std::vector<io::WeightInfo>& weights) {
  std::vector<std::string> problems;
  std::map<std::string, const io::WeightInfo*> have;
  for (const auto& w : weights) have[w.name] = &w;
  std::set<std::string> wanted;
  for (const auto& spec : expected) {
    wanted.insert(spec.name);
    auto it = have.find(spec.name);
    if (it == have.end()) {
      problems.push_back("missing " + spec.name + " " + shape_string(spec.shape));
      continue;
    }
    const io::WeightInfo& w = *it->second;
    if (w.shape != spec.shape)
      problems.push_back(spec.name + " has shape " + shape_string(w.shape) + ", expected " + shape_string(spec.shape));
    if (!io::is_floating(w.dtype))
      problems.push_back(spec.name + " has dtype " + io::dtype_name(w.dtype) + ", expected a floating-point type");
  }
  for (const auto& w : weights)
    if (!wanted.count(w.name)) problems.push_back("unexpected " + w.name + " " + shape_string(w.shape));
  return problems;
}

std::vector<std::string> check_weights(const Config& c, const std::vector<io::WeightInfo>& weights) {
  return compare_weights(tensor_layout(c), weights);
}

std::string summarize_problems(const std::vector<std::string>& problems, size_t shown) {
  std::string s = std::to_string(problems.size()) + (problems.size() == 1 ? " problem" : " problems") +
                  " with the weights: ";
  for (size_t i = 0; i < problems.size() && i < shown; ++i) s += (i ? "; " : "") + problems[i];
  if (problems.size() > shown) s += "; and " + std::to_string(problems.size() - shown) + " more";
  return s;
}

bool ModelDir::is_model_dir(const std::string& path) {
  return fs::is_directory(path) && fs::exists(fs::path(path) / "config.json");
}

ModelDir::ModelDir(const std::string& path, bool check) : path_(path) {
  if (!fs::is_directory(path)) throw Error(path, "not a model directory (no such directory)");
  if (!fs::exists(fs::path(path) / "config.json")) throw Error(path, "not a model directory (no config.json)");
  config_ = load_config((fs::path(path) / "config.json").string());
  weights_ = std::make_unique<io::SafetensorsSet>(path);
  if (!check) return;
  auto problems = check_weights(config_, io::list_weights(*weights_));
  if (!problems.empty()) throw Error(path, summarize_problems(problems));
}

std::string ModelDir::file(const std::string& name) const {
  fs::path p = fs::path(path_) / name;
  return fs::exists(p) ? p.string() : "";
}

namespace {

void write_text(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
  out.close();
  if (!out) throw Error(p.string(), "cannot write");
}

// Removes the temporary directory unless the write completed.
struct TempDir {
  fs::path path;
  bool keep = false;
  ~TempDir() {
    std::error_code ec;
    if (!keep) fs::remove_all(path, ec);
  }
};

}  // namespace

void write_model_dir(const std::string& path, const Config& config, const std::vector<io::TensorView>& tensors,
                     const std::map<std::string, std::string>& texts,
                     const std::map<std::string, std::string>& copies, const ModelWriteOptions& options) {
  fs::path target = fs::path(path).lexically_normal();
  if (target.filename().empty()) target = target.parent_path();
  if (fs::exists(target) && !options.replace)
    throw Error(path, "already exists (remove it, or pass --force to replace it)");
  TempDir tmp{target.string() + ".tmp-" + std::to_string(getpid())};
  fs::remove_all(tmp.path);
  std::error_code ec;
  fs::create_directories(tmp.path, ec);
  if (ec) throw Error(tmp.path.string(), "cannot create: " + ec.message());

  // Shards of at most shard_bytes (a tensor larger than that gets a shard of its own).
  std::vector<std::vector<io::TensorView>> shards(1);
  uint64_t bytes = 0, total = 0;
  for (const auto& t : tensors) {
    if (bytes > 0 && bytes + t.nbytes > options.shard_bytes) {
      shards.emplace_back();
      bytes = 0;
    }
    shards.back().push_back(t);
    bytes += t.nbytes;
    total += t.nbytes;
  }
  auto metadata = options.metadata;
  metadata["format"] = "pt";  // what Hugging Face loaders expect
  if (shards.size() == 1) {
    io::write_safetensors((tmp.path / "model.safetensors").string(), shards[0], metadata, options.fill);
  } else {
    io::Record index;
    index["metadata"]["total_size"] = total;
    index["weight_map"] = io::Record::object();
    char name[64];
    for (size_t i = 0; i < shards.size(); ++i) {
      std::snprintf(name, sizeof name, "model-%05zu-of-%05zu.safetensors", i + 1, shards.size());
      io::write_safetensors((tmp.path / name).string(), shards[i], metadata, options.fill);
      for (const auto& t : shards[i]) index["weight_map"][t.name] = name;
    }
    write_text(tmp.path / "model.safetensors.index.json", index.dump(2) + "\n");
  }
  write_text(tmp.path / "config.json", to_json(config).dump(2) + "\n");
  for (const auto& [name, text] : texts) write_text(tmp.path / name, text);
  for (const auto& [name, source] : copies) {
    fs::copy_file(source, tmp.path / name, fs::copy_options::overwrite_existing, ec);
    if (ec) throw Error(source, "cannot copy into the model directory: " + ec.message());
  }

  if (fs::exists(target)) {  // options.replace: move the old one aside, then drop it once the new one is in place
    fs::path old = target.string() + ".old-" + std::to_string(getpid());
    fs::rename(target, old, ec);
    if (ec) throw Error(path, "cannot replace: " + ec.message());
    fs::rename(tmp.path, target, ec);
    if (ec) {
      fs::rename(old, target);
      throw Error(path, "cannot replace: " + ec.message());
    }
    fs::remove_all(old, ec);
  } else {
    fs::rename(tmp.path, target, ec);
    if (ec) throw Error(path, "cannot create: " + ec.message());
  }
  tmp.keep = true;
}

}  // namespace grove::arch
