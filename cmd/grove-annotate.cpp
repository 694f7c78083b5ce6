// grove-annotate: the automatic annotation pipeline that built HowToGround1M (reference/evaluation.md 2.7), from
// frames (or videos) to sample records: 1. frame-wise grounded captions, 2. one video caption merged by an LLM from
// the frames' subject-verb-object clauses, 3. frame phrases labelled with video phrases by the LLM, giving tracks.
// See man/man1/grove-annotate.1.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>

#include "annotate/chat.h"
#include "annotate/clauses.h"
#include "annotate/frame_captions.h"
#include "annotate/llama_chat.h"
#include "annotate/stages.h"
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
#include "video/clips.h"

using grove::io::Record;
namespace fs = std::filesystem;

namespace {

// The records a stage left in its cache (WORK/stageN.grove, a journal), by id, and the journal new ones go to.
class StageCache {
 public:
  StageCache(const std::string& path, const char* type, bool resume) {
    if (path.empty()) return;
    journal_ = std::make_unique<grove::io::JournalWriter>(
        path, grove::io::make_header("grove-annotate"), resume, [&](const Record& r) {
          if (grove::io::record_type(r) == type) done_[grove::io::record_id(r)] = r;
        });
  }
  const Record* find(const std::string& id) const {
    auto it = done_.find(id);
    return it == done_.end() ? nullptr : &it->second;
  }
  void write(const Record& r) {
    if (journal_) journal_->write(r);
  }
  void commit() {
    if (journal_) journal_->commit();
  }

 private:
  std::map<std::string, Record> done_;
  std::unique_ptr<grove::io::JournalWriter> journal_;
};

// Per stage: clips run, clips taken from the cache, and the time spent running.
struct StageCount {
  size_t run = 0, cached = 0, units = 0;  // run: clips attempted; units: frames (stage 1) or LLM answers (2, 3)
  double seconds = 0;
  std::string line(const char* name, const char* unit) const {
    char b[256];
    std::snprintf(b, sizeof b, "%s: %zu clips run (%zu %s, %.2f s, %.2f clips/s, %.2f %s/s), %zu from the cache", name,
                  run, units, unit, seconds, seconds > 0 ? run / seconds : 0.0, seconds > 0 ? units / seconds : 0.0, unit,
                  cached);
    return b;
  }
};

// Adds the time until it goes out of scope, whether the stage succeeded or threw, to a stage's count.
class StageTimer {
 public:
  explicit StageTimer(StageCount& c) : c_(c), t_(std::chrono::steady_clock::now()) {}
  ~StageTimer() { c_.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t_).count(); }

 private:
  StageCount& c_;
  std::chrono::steady_clock::time_point t_;
};

double since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
  grove::cli::Tool tool("grove-annotate",
                        "Annotate videos automatically: grounded captions and temporally consistent boxes.");
  tool.use_runtime(grove::nn::runtime_info, grove::nn::setup_runtime);
  CLI::App& app = tool.app();

  std::vector<std::string> inputs{"-"};
  std::string output = "-", model_dir, device_name = "cpu", dtype_name, llm, llm_model, chat_format = "auto",
              llm_device = "cpu", llm_dtype, caption_prompt, label_prompt, work, shard;
  double threshold = 0.5, llm_timeout = 300;
  int64_t max_new = 64;
  int llm_max_tokens = 512, attempts = 3, until = 3;
  bool resume = false;
  app.add_option("inputs", inputs,
                 "Frames streams (grove-decode, 5 fps), streams of frame_captions or video_caption records (the "
                 "stages still to run), or video files, decoded here at 5 fps ('-': stdin)")
      ->type_name("FILE...")
      ->default_str("-");
  grove::cli::Tool::add_output(app, output, "sample stream (or the last stage's records, with --until)");
  app.add_option("-m,--model", model_dir, "Stage 1: the grove model directory that captions each frame")->type_name("DIR");
  app.add_option("--device", device_name, "Stage 1: cpu, cuda or cuda:N")->default_str("cpu");
  app.add_option("--dtype", dtype_name, "Stage 1: f32, bf16 or f16 (default: f32 on cpu, bf16 on cuda)");
  app.add_option("--threshold", threshold, "Stage 1: keep a frame's box where its objectness > X")
      ->default_val(0.5)
      ->type_name("X");
  auto* max_new_option = app.add_option("--max-new-tokens", max_new,
                                        "Stage 1: longest frame caption, in tokens (default 64; 512 for a glamm-style model, as GLaMM's GCG script)")
                             ->check(CLI::Range(1, 4096));
  app.add_option("--llm", llm, "Stages 2-3: http(s)://HOST:PORT/v1 (any OpenAI-compatible chat-completions server) "
                               "or llama:DIR (a Llama chat model's Hugging Face download, run here)")
      ->type_name("URL|llama:DIR");
  app.add_option("--llm-model", llm_model, "The model name sent to the HTTP server")->type_name("NAME");
  app.add_option("--chat-format", chat_format, "The built-in model's chat format: auto (llama3 when the tokenizer has Llama 3's header tokens, else llama2), llama2 or llama3")
      ->check(CLI::IsMember({"auto", "llama2", "llama3"}))
      ->default_str("auto");
  app.add_option("--llm-max-tokens", llm_max_tokens, "Longest LLM answer, in tokens")->default_val(512)->check(CLI::Range(1, 32768));
  app.add_option("--llm-timeout", llm_timeout, "Seconds to wait for one HTTP answer")->default_val(300)->type_name("S");
  app.add_option("--llm-device", llm_device, "The built-in LLM's device: cpu, cuda or cuda:N")->default_str("cpu");
  app.add_option("--llm-dtype", llm_dtype, "The built-in LLM's dtype (default: f32 on cpu, bf16 on cuda)");
  app.add_option("--caption-prompt", caption_prompt, "Stage 2's prompt file (default: the shipped video-caption.txt)")
      ->type_name("FILE");
  app.add_option("--label-prompt", label_prompt, "Stage 3's prompt file (default: the shipped label-phrases.txt)")
      ->type_name("FILE");
  app.add_option("--attempts", attempts, "LLM answers asked for per clip and stage before the clip fails")
      ->default_val(3)
      ->check(CLI::Range(1, 100));
  app.add_option("--until", until, "The last stage to run: 1 (frame_captions), 2 (video_caption) or 3 (sample)")
      ->default_val(3)
      ->check(CLI::Range(1, 3));
  app.add_option("--work", work, "Per-stage caches (stage1.grove, stage2.grove); default OUTPUT.work when -o is a file")
      ->type_name("DIR");
  app.add_option("--shard", shard, "Only clips k with k % n == i (0-based input order), for sbatch arrays")->type_name("i/n");
  app.add_flag("--resume", resume, "Keep what an interrupted run finished (output and caches) and do the rest");

  return tool.run(argc, argv, [&]() -> int {
    namespace an = grove::annotate;
    auto [shard_i, shard_n] = shard.empty() ? std::pair{0, 1} : grove::cli::parse_shard(shard);
    if (resume && output == "-") throw CLI::ValidationError("--resume", "needs an output file (-o FILE)");
    if (work.empty() && output != "-") work = output + ".work";
    if (!work.empty()) fs::create_directories(work);
    const char* final_type[] = {"", "frame_captions", "video_caption", "sample"};

    // What each stage needs is made when a clip first needs it, so a run of stages 2-3 needs no model and a run
    // of stage 1 no LLM.
    std::unique_ptr<grove::model::Predictor> predictor;
    auto need_predictor = [&]() -> grove::model::Predictor& {
      if (predictor) return *predictor;
      if (model_dir.empty()) throw grove::Error("--model", "stage 1 (frames -> frame captions) needs a model directory");
      const c10::Device device = grove::model::parse_device(device_name, "--device");
      const c10::ScalarType dtype =
          grove::model::parse_dtype(dtype_name.empty() ? (device.is_cuda() ? "bf16" : "f32") : dtype_name, "--dtype");
      grove::model::InferOptions o;
      o.threshold = threshold;
      const grove::arch::ModelDir dir(model_dir);
      o.max_new_tokens = max_new_option->count() ? max_new : dir.config().glamm() ? 512 : 64;
      predictor = std::make_unique<grove::model::Predictor>(grove::model::load_grove(dir, {device, dtype, true}),
                                                            grove::text::Tokenizer::load(model_dir), o);
      return *predictor;
    };
    std::unique_ptr<an::ChatBackend> chat;
    auto need_chat = [&]() -> an::ChatBackend& {
      if (chat) return *chat;
      if (llm.empty()) throw grove::Error("--llm", "stages 2 and 3 need an LLM (--llm URL or --llm llama:DIR)");
      if (llm.rfind("http://", 0) == 0 || llm.rfind("https://", 0) == 0) {
        chat = an::make_http_chat({llm, llm_model, 0.0, llm_max_tokens, llm_timeout});
      } else {
        const std::string dir = llm.rfind("llama:", 0) == 0 ? llm.substr(6) : llm;
        if (!fs::is_directory(dir)) throw grove::Error(dir, "not a directory (--llm takes http(s)://... or llama:DIR)");
        chat = an::make_llama_chat({dir, an::parse_chat_format(chat_format, "--chat-format"), llm_max_tokens, llm_device, llm_dtype});
      }
      grove::cli::info("LLM: " + chat->describe());
      return *chat;
    };
    // Stage 2's parser and both prompts are made up front, so a prompt file's typo fails before hours of stage 1.
    std::unique_ptr<an::ClauseParser> parser;
    std::unique_ptr<an::PromptTemplate> caption_tpl, label_tpl;
    if (until >= 2) {
      parser = std::make_unique<an::ClauseParser>();
      caption_tpl = std::make_unique<an::PromptTemplate>(
          an::PromptTemplate::load(caption_prompt.empty() ? an::shipped_prompt("video-caption") : caption_prompt));
    }
    if (until >= 3)
      label_tpl = std::make_unique<an::PromptTemplate>(
          an::PromptTemplate::load(label_prompt.empty() ? an::shipped_prompt("label-phrases") : label_prompt));

    Record header = grove::io::make_header("grove-annotate");
    if (!model_dir.empty()) header["model"] = model_dir;
    if (!llm.empty()) header["llm"] = llm;
    grove::io::ToolOutput out(output, header, output != "-", resume);  // a file output is always a journal
    if (out.kept()) grove::cli::info(std::to_string(out.kept()) + " records kept from the interrupted run");
    StageCache cache1(work.empty() || until < 2 ? "" : work + "/stage1.grove", "frame_captions", resume);
    StageCache cache2(work.empty() || until < 3 ? "" : work + "/stage2.grove", "video_caption", resume);

    StageCount s1, s2, s3;
    an::LlmStats llm2, llm3;
    grove::model::InferStats infer_stats;
    grove::cli::Progress progress("annotating", 0, "clips");
    size_t k = 0, done = 0, skipped = 0;

    // Runs the stages a record still needs, up to --until; a stage's failure becomes the clip's error record.
    auto annotate = [&](Record r, const std::string& where) {
      const std::string id = grove::io::record_id(r);
      try {
        grove::io::require_valid(r, where);
        if (grove::io::record_type(r) == "frames") {
          if (const Record* c = cache1.find(id)) {
            r = *c, ++s1.cached;
          } else {
            auto& p = need_predictor();
            StageTimer timer(s1);
            ++s1.run, s1.units += r["pixels"].size();
            r = an::frame_captions(p, r, &infer_stats);
            r["model"] = model_dir;
            cache1.write(r);  // (no cache when the run ends at stage 1)
          }
        }
        if (until >= 2 && grove::io::record_type(r) == "frame_captions") {
          if (const Record* c = cache2.find(id)) {
            r = *c, ++s2.cached;
          } else {
            auto& llm_backend = need_chat();
            StageTimer timer(s2);
            ++s2.run;
            r = an::video_caption(r, *parser, llm_backend, *caption_tpl, attempts, &llm2);
            cache2.write(r);
          }
        }
        if (until >= 3 && grove::io::record_type(r) == "video_caption") {
          auto& llm_backend = need_chat();
          StageTimer timer(s3);
          ++s3.run;
          r = an::label_tracks(r, llm_backend, *label_tpl, attempts, &llm3);
        }
        out.write(r);
        ++done;
      } catch (const grove::Error& e) {
        tool.record_failed(e.where(), e.message());
        out.write(grove::io::make_error(id, "grove-annotate", e.where(), e.message()));
      }
      progress.add();
    };
    // Whether the next clip in input order is this run's (in its shard, not finished by an earlier run).
    auto take = [&](const std::string& id) {
      if (!grove::io::in_shard(k++, shard_i, shard_n)) return false;
      if (out.has(final_type[until], id)) {  // (an earlier run's error records are dropped: those clips are retried)
        ++skipped;
        return false;
      }
      return true;
    };

    const auto start = std::chrono::steady_clock::now();
    for (const auto& path : inputs) {
      if (!grove::io::is_stream_file(path)) {
        const auto clip = grove::video::clip_for_video(path);
        if (!take(clip.id)) continue;
        Record frames;
        try {
          frames = grove::video::decode_clip(clip, grove::video::DecodeOptions{});
        } catch (const grove::Error& e) {
          tool.record_failed(e.where(), e.message());
          out.write(grove::io::make_error(clip.id, "grove-annotate", e.where(), e.message()));
          continue;
        }
        annotate(std::move(frames), path);
        continue;
      }
      grove::io::StreamReader in(path);
      Record r;
      while (in.next(r)) {
        const std::string type = grove::io::record_type(r);
        if (type == "frames" || type == "frame_captions" || type == "video_caption") {
          if (take(grove::io::record_id(r))) annotate(std::move(r), in.name());
          r = Record();
        } else {
          if (type == "error") tool.record_failed(in.name(), "upstream error for " + grove::io::record_id(r));
          if (!out.has(type, grove::io::record_id(r))) out.write(r);  // other records pass through
        }
      }
    }
    cache1.commit();
    cache2.commit();
    out.commit();
    progress.finish();
    const double secs = since(start);
    s2.units = llm2.calls, s3.units = llm3.calls;
    std::string summary = std::to_string(done) + " clips annotated";
    char rate[64];
    std::snprintf(rate, sizeof rate, " in %.1f s", secs);
    summary += rate;
    if (skipped) summary += ", " + std::to_string(skipped) + " already done";
    summary += ", " + std::to_string(tool.failures()) + " failed";
    summary += "\n  " + s1.line("stage 1 (frame captions)", "frames");
    if (until >= 2) summary += "\n  " + s2.line("stage 2 (video caption)", "LLM answers") + ", " + std::to_string(llm2.rejected) + " answers rejected";
    if (until >= 3) summary += "\n  " + s3.line("stage 3 (phrase labels)", "LLM answers") + ", " + std::to_string(llm3.rejected) + " answers rejected";
    tool.summary(summary);
    return tool.status();
  });
}
