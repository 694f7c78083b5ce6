// grove-synth: a synthetic grounded-video dataset (coloured shapes that move, appear, disappear and occlude one
// another; captions tagging every object; boxes on the 5 fps grid) as MP4 files and sample records. See
// man/man1/grove-synth.1.
#include <cstdio>
#include <filesystem>
#include <thread>

#include "cli/progress.h"
#include "cli/tool.h"
#include "core/error.h"
#include "core/interrupt.h"
#include "core/ordered_pool.h"
#include "io/stream.h"
#include "io/file.h"
#include "synth/scene.h"
#include "synth/tokenizer.h"
#include "video/encoder.h"

namespace fs = std::filesystem;
using grove::io::Record;

namespace {

// Writes the synthetic data's tokenizer (tokenizer.json, added_tokens.json) into DIR.
void write_tokenizer(const std::string& dir, uint64_t seed) {
  fs::create_directories(dir);
  const auto files = grove::synth::make_tokenizer(seed);
  for (const auto& [name, text] : {std::pair<std::string, std::string>{"tokenizer.json", files.tokenizer_json},
                                   {"added_tokens.json", files.added_tokens_json}}) {
    grove::io::OutputFile out((fs::path(dir) / name).string());
    out.write(text);
    out.commit();
  }
}

// Encodes the scene's frames (H.264, yuv420p) to PATH.
void encode(const grove::synth::Scene& s, const std::string& path) {
  grove::video::VideoEncoder out(path, s.width, s.height, s.fps);
  for (int f = 0; f < s.frames; ++f) out.write(grove::synth::render(s, f).data());
  out.finish();
}

}  // namespace

int main(int argc, char** argv) {
  grove::cli::Tool tool("grove-synth", "Make a synthetic grounded-video dataset: MP4 clips and sample records.");
  CLI::App& app = tool.app();
  size_t clips = 10, first = 0;
  uint64_t seed = 1;
  std::string split = "train", video_dir, output = "-", tokenizer_dir;
  int jobs = 0;
  app.add_option("-n,--clips", clips, "How many clips")->default_val(10)->check(CLI::Range(1, 10000000));
  app.add_option("--first", first, "Index of the first clip (to extend a dataset)")->default_val(0);
  app.add_option("--seed", seed, "Seed of the dataset; each split draws its own scenes from it")->default_val(1);
  app.add_option("--split", split, "The split's name: its clips' ids, and its own scenes")->default_str("train");
  app.add_option("--video-dir", video_dir, "Where the MP4 files go (the samples' video_fname is relative to it)")
      ->type_name("DIR");
  app.add_option("--tokenizer", tokenizer_dir,
                 "Also (or only, without --video-dir) write a tokenizer for these captions into DIR, for "
                 "grove-convert random --tokenizer")
      ->type_name("DIR");
  app.add_option("-j,--jobs", jobs, "Clips made in parallel (0: one per core)")->check(CLI::NonNegativeNumber);
  grove::cli::Tool::add_output(app, output, "sample stream");
  return tool.run(argc, argv, [&]() -> int {
    if (!tokenizer_dir.empty()) {
      write_tokenizer(tokenizer_dir, seed);
      if (video_dir.empty()) {
        tool.summary("tokenizer written to " + tokenizer_dir);
        return tool.status();
      }
    }
    if (video_dir.empty()) throw grove::Error("--video-dir", "is required (where the MP4 files go)");
    fs::create_directories(video_dir);
    const uint64_t scenes_seed = grove::synth::split_seed(seed, split);
    Record header = grove::io::make_header("grove-synth");
    grove::io::StreamWriter out(output, header);
    grove::cli::Progress progress("synthesising", clips, "clips");
    if (jobs == 0) jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    grove::OrderedPool<size_t, Record> pool(
        jobs,
        [&](size_t& i) {
          const auto scene = grove::synth::make_scene(scenes_seed, i);
          char id[64];
          std::snprintf(id, sizeof id, "%s_%06zu", split.c_str(), i);
          const std::string name = std::string(id) + ".mp4";
          encode(scene, (fs::path(video_dir) / name).string());
          Record r = grove::synth::sample_record(scene, id, name);
          r["split"] = split;
          return r;
        },
        [&](Record& r) {
          out.write(r);
          progress.add();
        });
    for (size_t i = first; i < first + clips; ++i) {
      grove::throw_if_interrupted();  // a signal stops the run between clips
      pool.submit(i);
    }
    pool.finish();
    out.commit();
    progress.finish();
    tool.summary(std::to_string(clips) + " clips written to " + video_dir + ", their samples to " + out.name());
    return tool.status();
  });
}
