// grove-infer: grounded captions and per-frame boxes for video clips, as the original's infer_*.py scripts compute
// them. See man/man1/grove-infer.1.
#include <chrono>
#include <map>

#include "arch/model_dir.h"
#include "cli/progress.h"
#include "cli/tool.h"
#include "core/error.h"
#include "io/journal.h"
#include "io/schema.h"
#include "io/shard.h"
#include "io/stream.h"
#include "model/infer.h"
#include "model/load.h"
#include "nn/runtime.h"
#include "text/caption.h"
#include "video/clips.h"

using grove::io::Record;

int main(int argc, char** argv) {
  grove::cli::Tool tool("grove-infer", "Write grounded captions and per-frame boxes for video clips.");
  tool.use_runtime(grove::nn::runtime_info, grove::nn::setup_runtime);
  CLI::App& app = tool.app();

  std::vector<std::string> inputs{"-"};
  std::string model_dir, output = "-", protocol = "iground", samples, video_dir, device_name = "cpu", dtype_name,
              shard, caption_format = "tagged", instruction;
  double threshold = 0.5;
  int64_t max_new = 64, window_batch = 0, clip_batch = 1;
  bool no_cache = false, resume = false;
  app.add_option("inputs", inputs, "Frames streams from grove-decode, or video files, decoded here at 5 fps ('-': stdin)")
      ->type_name("FILE...")
      ->default_str("-");
  app.add_option("-m,--model", model_dir, "Model directory (config.json, weights, tokenizer)")->required()->type_name("DIR");
  grove::cli::Tool::add_output(app, output, "prediction stream");
  app.add_option("--protocol", protocol, "iground: generate the caption, boxes gated by temporal objectness; "
                                         "teacher-forced: each clip's given caption, one box per phrase per frame")
      ->check(CLI::IsMember({"iground", "teacher-forced"}))
      ->default_str("iground");
  app.add_option("--samples", samples, "Sample records: captions for teacher-forced, and clips to decode with --video-dir")
      ->type_name("FILE");
  app.add_option("--video-dir", video_dir, "Decode the clips of sample records here (their video_fname is relative to DIR)")
      ->type_name("DIR");
  app.add_option("--caption-format", caption_format, "teacher-forced answer from a sample: tagged (each phrase as "
                                                     "<p> phrase </p> [DET]) or sentence (the whole caption as one phrase)")
      ->check(CLI::IsMember({"tagged", "sentence"}))
      ->default_str("tagged");
  app.add_option("--instruction", instruction, "The instruction in the prompt (default: interleaved boxes for iground "
                                              "and tagged answers, a single box for sentence answers)")
      ->type_name("TEXT");
  app.add_option("--threshold", threshold, "Temporal objectness: keep a box where sigmoid(logit) > X")
      ->default_val(0.5)
      ->type_name("X");
  app.add_option("--max-new-tokens", max_new, "Longest generated caption, in tokens")->default_val(64)->check(CLI::Range(1, 4096));
  app.add_flag("--no-cache", no_cache, "Generate without the KV cache (recompute every step; the same tokens, slower)");
  app.add_option("--device", device_name, "cpu, cuda or cuda:N")->default_str("cpu");
  app.add_option("--dtype", dtype_name, "f32, bf16 or f16 (default: f32 on cpu, bf16 on cuda, as the original)");
  app.add_option("--window-batch", window_batch, "Windows per teacher-forced pass (0: all of a clip's at once)")
      ->default_val(0)
      ->check(CLI::NonNegativeNumber);
  app.add_option("--clip-batch", clip_batch, "Clips whose captions are generated together (iground; faster on GPUs)")
      ->default_val(1)
      ->check(CLI::Range(1, 4096));
  app.add_option("--shard", shard, "Only clips k with k % n == i (0-based input order), for sbatch arrays")->type_name("i/n");
  app.add_flag("--resume", resume, "Keep the predictions an interrupted run left in OUTPUT.partial and do the rest");

  return tool.run(argc, argv, [&]() -> int {
    namespace model = grove::model;
    const c10::Device device = model::parse_device(device_name, "--device");
    const c10::ScalarType dtype =
        model::parse_dtype(dtype_name.empty() ? (device.is_cuda() ? "bf16" : "f32") : dtype_name, "--dtype");
    auto [shard_i, shard_n] = shard.empty() ? std::pair{0, 1} : grove::cli::parse_shard(shard);
    if (resume && output == "-") throw CLI::ValidationError("--resume", "needs an output file (-o FILE)");

    const grove::arch::ModelDir dir(model_dir);
    model::InferOptions options;
    options.protocol = protocol == "iground" ? model::InferOptions::Protocol::IGround
                                             : model::InferOptions::Protocol::TeacherForced;
    options.instruction = instruction;
    options.sentence_answers = caption_format == "sentence";
    options.threshold = threshold;
    options.max_new_tokens = max_new;
    options.use_cache = !no_cache;
    options.window_batch = window_batch;
    model::Grove network = model::load_grove(dir, {device, dtype, true});
    const std::string query = network->config.token_names().query;  // [DET], or GLaMM's [SEG]
    model::Predictor predictor(network, grove::text::Tokenizer::load(model_dir), options);

    Record header = grove::io::make_header("grove-infer");
    header["model"] = model_dir;
    header["protocol"] = protocol;
    grove::io::ToolOutput out(output, header, resume, resume);  // a journal only for --resume
    if (out.kept()) grove::cli::info(std::to_string(out.kept()) + " records kept from the interrupted run");

    // Teacher-forced answers by clip id, from --samples and from sample records met in the inputs.
    std::map<std::string, std::string> answers;
    auto remember = [&](const Record& s) {
      const std::string id = grove::io::record_id(s);
      if (caption_format == "sentence") {
        answers[id] = "<p> " + s.value("caption", std::string()) + " </p> " + query;
      } else {
        try {
          answers[id] = grove::text::tagged_answer(s.value("caption", std::string()), s.value("tagged_caption", std::string()),
                                                   s.value("phrases", std::vector<std::string>{}), false, query)
                            .text;
        } catch (const grove::Error& e) {
          tool.record_failed("sample " + id, e.message());
        }
      }
    };

    grove::cli::Progress progress("inferring", 0, "clips");
    model::InferStats stats;
    size_t k = 0, predicted = 0, skipped = 0;
    const auto start = std::chrono::steady_clock::now();
    // Clips wait here until --clip-batch of them can be run together; any other output first flushes them, so
    // the output order does not depend on the batch size.
    std::vector<Record> pending;
    std::vector<std::string> pending_answers;
    auto flush = [&] {
      if (pending.empty()) return;
      std::vector<const Record*> batch;
      for (const auto& r : pending) batch.push_back(&r);
      auto outcomes = predictor.predict_batch(batch, pending_answers, &stats);
      for (size_t i = 0; i < outcomes.size(); ++i) {
        if (outcomes[i].error.empty()) {
          outcomes[i].record["model"] = model_dir;
          out.write(outcomes[i].record);
          ++predicted;
        } else {
          tool.record_failed(outcomes[i].where, outcomes[i].error);
          out.write(grove::io::make_error(grove::io::record_id(pending[i]), "grove-infer", outcomes[i].where,
                                          outcomes[i].error));
        }
        progress.add();
      }
      pending.clear();
      pending_answers.clear();
    };
    auto write = [&](const Record& r) {
      flush();
      out.write(r);
    };
    // Whether the next clip in input order is this run's to predict (in its shard, not done by an earlier run).
    auto take = [&](const std::string& id) {
      if (!grove::io::in_shard(k++, shard_i, shard_n)) return false;
      if (out.has("prediction", id)) {
        ++skipped;
        return false;
      }
      return true;
    };
    auto run_clip = [&](Record frames) {  // a clip take() accepted
      const std::string id = grove::io::record_id(frames);
      std::string answer;
      if (options.protocol == model::InferOptions::Protocol::TeacherForced) {
        auto it = answers.find(id);
        if (it == answers.end()) {
          const std::string why = "no sample record with a caption for this clip (--samples)";
          tool.record_failed(id, why);
          write(grove::io::make_error(id, "grove-infer", id, why));
          return;
        }
        answer = it->second;
      }
      pending.push_back(std::move(frames));
      pending_answers.push_back(answer);
      if (static_cast<int64_t>(pending.size()) >= clip_batch) flush();
    };
    auto decode_and_run = [&](const grove::video::ClipRequest& clip) {
      if (!take(clip.id)) return;  // before any decoding
      Record frames;
      try {
        frames = grove::video::decode_clip(clip, grove::video::DecodeOptions{});
      } catch (const grove::Error& e) {
        tool.record_failed(e.where(), e.message());
        write(grove::io::make_error(clip.id, "grove-infer", e.where(), e.message()));
        return;
      }
      run_clip(std::move(frames));
    };

    if (!samples.empty()) {
      grove::io::StreamReader in(samples);
      Record r;
      while (in.next(r)) {
        if (grove::io::record_type(r) != "sample") continue;
        grove::io::require_valid(r, in.name());
        remember(r);
        if (!video_dir.empty()) {
          if (grove::io::in_shard(k, shard_i, shard_n) && !out.has("sample", grove::io::record_id(r))) write(r);
          decode_and_run(grove::video::clip_for_sample(r, video_dir));
        }
      }
      if (!video_dir.empty()) inputs.clear();  // the samples were the clips
    }
    for (const auto& path : inputs) {
      if (!grove::io::is_stream_file(path)) {
        decode_and_run(grove::video::clip_for_video(path));
        continue;
      }
      grove::io::StreamReader in(path);
      Record r;
      while (in.next(r)) {
        const std::string type = grove::io::record_type(r);
        if (type == "frames") {
          if (take(grove::io::record_id(r))) run_clip(std::move(r));
          r = Record();
        } else {
          if (type == "sample") remember(r);
          if (type == "error") tool.record_failed(in.name(), "upstream error for " + grove::io::record_id(r));
          if (!out.has(type, grove::io::record_id(r))) write(r);  // samples and others pass through
        }
      }
    }
    flush();
    out.commit();
    progress.finish();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    char rate[128];
    std::snprintf(rate, sizeof rate, " (%.2f clips/s, %.1f generated tokens/s)", secs > 0 ? predicted / secs : 0.0,
                  secs > 0 ? stats.generated_tokens / secs : 0.0);
    tool.summary(std::to_string(predicted) + " clips predicted, " + std::to_string(stats.frames) + " frames, " +
                 std::to_string(stats.generated_tokens) + " tokens generated" + rate +
                 (skipped ? ", " + std::to_string(skipped) + " already done" : "") + ", " +
                 std::to_string(tool.failures()) + " failed");
    return tool.status();
  });
}
