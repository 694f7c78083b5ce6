// grove-decode: video clips -> frame records, decoded in process with FFmpeg. See man/man1/grove-decode.1.
#include <unistd.h>

#include <iostream>
#include <thread>

#include "cli/progress.h"
#include "cli/tool.h"
#include "core/error.h"
#include "core/interrupt.h"
#include "core/ordered_pool.h"
#include "io/schema.h"
#include "io/shard.h"
#include "io/stream.h"
#include "video/clips.h"

using grove::io::Record;

namespace {

struct Job {
  grove::video::ClipRequest clip;
  Record passthrough;   // a record of the input stream to copy to the output before this clip's frames
  std::string invalid;  // why the sample record cannot be decoded, found while reading it
};

struct Result {
  Record passthrough;
  Record frames;  // a frames record, or an error record
  std::string where, message;
};

}  // namespace

int main(int argc, char** argv) {
  grove::cli::Tool tool("grove-decode", "Decode video clips into frame records (grove-stream(5)) with FFmpeg.");
  CLI::App& app = tool.app();

  std::vector<std::string> videos;
  std::string samples, video_dir, output, sampling = "center", shard;
  double fps = 0;
  size_t frames = 0;
  bool all = false;
  uint64_t seed = 0;
  int max_side = 0, jobs = 0;
  app.add_option("videos", videos, "Video files; with none (and no --samples), one path a line on stdin")
      ->type_name("VIDEO...");
  app.add_option("--samples", samples, "Decode the clip window of every sample record of this stream ('-': stdin)")
      ->type_name("FILE");
  app.add_option("--video-dir", video_dir, "Directory that sample records' video_fname is relative to")
      ->type_name("DIR");
  auto* o_fps = app.add_option("--fps", fps, "Frames on the original's 5 fps grid: step int(fps/5) from the clip "
                                             "start, end inclusive (the default; only 5 is accepted)")
                    ->type_name("5")
                    ->check(CLI::IsMember({5.0}));
  auto* o_frames = app.add_option("--frames", frames, "N segment samples over the 5 fps grid (see --sampling)")
                       ->type_name("N")
                       ->check(CLI::Range(1, 100000));
  auto* o_all = app.add_flag("--all", all, "Every frame of the clip");
  o_fps->excludes(o_frames)->excludes(o_all);
  o_frames->excludes(o_all);
  app.add_option("--sampling", sampling, "With --frames: the centre of each segment, or a seeded random frame")
      ->check(CLI::IsMember({"center", "random"}))
      ->default_str("center");
  app.add_option("--seed", seed, "Seed for --sampling random (each clip's draw depends only on the seed and its id)")
      ->default_str("0");
  app.add_option("--max-side", max_side, "Downscale stored pixels so the longer side is at most N (0: keep)")
      ->type_name("N")
      ->check(CLI::NonNegativeNumber);
  app.add_option("-j,--jobs", jobs, "Videos decoded in parallel (0: one per core)")->check(CLI::NonNegativeNumber);
  app.add_option("--shard", shard, "Only clips k with k % n == i (0-based input order), for sbatch arrays")
      ->type_name("i/n");
  grove::cli::Tool::add_output(app, output, "frames stream");

  return tool.run(argc, argv, [&]() -> int {
    using grove::video::FrameSelection;
    grove::video::DecodeOptions options;
    options.max_side = max_side;
    if (frames > 0) {
      options.selection.mode = FrameSelection::Mode::Segments;
      options.selection.segments = frames;
      options.selection.sampling =
          sampling == "random" ? grove::video::Sampling::Random : grove::video::Sampling::Center;
      options.selection.seed = seed;
    } else if (all) {
      options.selection.mode = FrameSelection::Mode::All;
    }
    auto [shard_i, shard_n] = shard.empty() ? std::pair{0, 1} : grove::cli::parse_shard(shard);
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    if (jobs == 0) jobs = cores;
    options.codec_threads = tool.threads() > 0 ? tool.threads() : std::max(1, cores / jobs);
    if (!samples.empty() && !videos.empty()) {
      throw CLI::ValidationError("--samples", "give either video files or --samples, not both");
    }

    grove::io::StreamWriter out(output, grove::io::make_header("grove-decode"));
    grove::cli::Progress progress("decoding", 0, "clips");
    size_t written = 0;
    grove::OrderedPool<Job, Result> pool(
        jobs,
        [&](Job& job) {
          Result r;
          r.passthrough = std::move(job.passthrough);
          try {
            if (!job.invalid.empty()) throw grove::Error(samples, job.invalid);
            r.frames = grove::video::decode_clip(job.clip, options);
          } catch (const grove::Error& e) {
            r.where = e.where();
            r.message = e.message();
            r.frames = grove::io::make_error(job.clip.id, "grove-decode", e.where(), e.message());
          }
          return r;
        },
        [&](Result& r) {
          if (!r.passthrough.is_null()) out.write(r.passthrough);
          if (!r.message.empty()) tool.record_failed(r.where, r.message);
          else ++written;
          out.write(r.frames);
          progress.add();
        });

    size_t k = 0;
    auto submit = [&](grove::video::ClipRequest clip, Record passthrough, std::string invalid = "") {
      grove::throw_if_interrupted();  // a signal stops the run between clips
      if (grove::io::in_shard(k++, shard_i, shard_n)) {
        pool.submit(Job{std::move(clip), std::move(passthrough), std::move(invalid)});
      }
    };
    if (!samples.empty()) {
      grove::io::StreamReader in(samples);
      Record r;
      while (in.next(r)) {
        if (grove::io::record_type(r) != "sample") {
          out.write(r);  // records decode does not use pass through
          continue;
        }
        auto problems = grove::io::validate(r);
        if (!problems.empty()) {  // a bad annotation is that clip's error, not the run's
          std::string id = grove::io::record_id(r);
          submit({id, "", nullptr}, nullptr, "sample record \"" + id + "\": " + problems.front());
          continue;
        }
        submit(grove::video::clip_for_sample(r, video_dir), r);
      }
    } else if (!videos.empty()) {
      for (const auto& v : videos) submit(grove::video::clip_for_video(v), nullptr);
    } else {
      if (::isatty(STDIN_FILENO)) grove::cli::info("reading video paths from stdin (one a line)");
      for (std::string line; std::getline(std::cin, line);) {
        if (line.empty() || line[0] == '#') continue;
        submit(grove::video::clip_for_video(line), nullptr);
      }
    }
    pool.finish();
    out.commit();
    progress.finish();
    tool.summary(std::to_string(written) + " clips decoded, " + std::to_string(tool.failures()) + " failed");
    return tool.status();
  });
}
