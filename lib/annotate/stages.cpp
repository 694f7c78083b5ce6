// See stages.h.
#include "annotate/stages.h"

#include <cstdio>
#include <functional>
#include <map>
#include <set>

#include "annotate/answers.h"
#include "core/error.h"
#include "io/schema.h"

namespace grove::annotate {

namespace {

std::string excerpt(const std::string& s) {
  std::string one = s;
  for (char& c : one)
    if (c == '\n' || c == '\r') c = ' ';
  return one.size() > 160 ? one.substr(0, 160) + "..." : one;
}

// Asks until `use` accepts an answer (returns "" for accepted, else the problem), at most `attempts` answers. A
// rejected answer stays in the conversation, followed by the problem, so the model can correct itself.
std::string ask(ChatBackend& llm, std::vector<ChatMessage> messages, int attempts, LlmStats* stats,
                const std::function<std::string(const std::string&)>& use, const std::string& id, const char* stage) {
  std::string problem, last;
  for (int a = 0; a < attempts; ++a) {
    if (stats) ++stats->calls;
    std::string answer;
    try {
      answer = llm.complete(messages);
    } catch (const Error& e) {  // a backend failure (connection, HTTP status) is retried like a bad answer
      if (stats) ++stats->rejected;
      problem = e.where() + ": " + e.message();
      last.clear();
      continue;
    }
    problem = use(answer);
    if (problem.empty()) return answer;
    if (stats) ++stats->rejected;
    last = answer;
    messages.push_back({"assistant", answer});
    messages.push_back({"user", "That answer cannot be used: " + problem + ". Answer again, exactly in the format asked for."});
  }
  throw Error(id, std::string(stage) + ": no usable LLM answer in " + std::to_string(attempts) + " attempts; last problem: " +
                      problem + (last.empty() ? "" : "; last answer: \"" + excerpt(last) + "\""));
}

std::string fmt_seconds(double s) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f s", s);
  return b;
}

}  // namespace

std::string describe_frames(const io::Record& fc, const ClauseParser& parser) {
  const auto& captions = fc.at("tagged_captions");
  const auto& times = fc.at("timestamps");
  std::string out, run_text;
  size_t run_start = 0;
  auto flush = [&](size_t end) {  // frames run_start .. end-1 share run_text
    if (run_text.empty()) return;
    out += (end - run_start > 1 ? "Frames " + std::to_string(run_start + 1) + "-" + std::to_string(end) + " ("
                                : "Frame " + std::to_string(run_start + 1) + " (") +
           fmt_seconds(times[run_start].get<double>()) + "): " + run_text + "\n";
  };
  for (size_t t = 0; t < captions.size(); ++t) {
    const std::string caption = captions[t].get<std::string>();
    std::string text;
    for (const auto& c : parser.clauses(caption)) text += (text.empty() ? "" : "; ") + c.text();
    if (text.empty()) {  // no clause: the frame's noun phrases, or its words
      for (const auto& np : parser.noun_phrases(caption)) text += (text.empty() ? "" : ", ") + np;
      if (text.empty()) text = strip_tags(caption);
    }
    if (text != run_text) {
      flush(t);
      run_text = text, run_start = t;
    }
  }
  flush(captions.size());
  return out;
}

io::Record video_caption(const io::Record& fc, const ClauseParser& parser, ChatBackend& llm,
                         const PromptTemplate& prompt, int attempts, LlmStats* stats) {
  const std::string id = io::record_id(fc);
  const std::string frames = describe_frames(fc, parser);
  if (frames.empty()) throw Error(id, "stage 2: no frame has a caption");
  CaptionAnswer parsed;
  ask(llm, prompt.fill({{"frames", frames}}), attempts, stats,
      [&](const std::string& answer) -> std::string {
        try {
          parsed = parse_caption_answer(answer);
        } catch (const Error& e) {
          return e.message();
        }
        return "";
      },
      id, "stage 2");
  io::Record out = fc;
  out["type"] = "video_caption";
  out["caption"] = parsed.caption;
  out["tagged_caption"] = parsed.tagged_caption;
  out["phrases"] = parsed.phrases;
  out["frame_clauses"] = frames;
  return out;
}

io::Record label_tracks(const io::Record& vc, ChatBackend& llm, const PromptTemplate& prompt, int attempts,
                        LlmStats* stats) {
  const std::string id = io::record_id(vc);
  const std::vector<std::string> video_phrases = vc.at("phrases").get<std::vector<std::string>>();
  const auto& labels = vc.at("labels");
  const auto& boxes = vc.at("boxes");
  std::vector<std::string> frame_phrases;  // distinct, in order of first appearance
  std::set<std::string> seen;
  for (const auto& frame : labels)
    for (const auto& l : frame)
      if (seen.insert(l.get<std::string>()).second) frame_phrases.push_back(l.get<std::string>());

  LabelMatch match;
  if (!frame_phrases.empty()) {
    std::string vp, fp;
    for (const auto& p : video_phrases) vp += "- " + p + "\n";
    for (const auto& p : frame_phrases) fp += "- " + p + "\n";
    ask(llm, prompt.fill({{"caption", vc.at("tagged_caption").get<std::string>()}, {"video_phrases", vp}, {"frame_phrases", fp}}),
        attempts, stats,
        [&](const std::string& answer) -> std::string {
          match = match_labels(parse_label_pairs(answer), frame_phrases, video_phrases);
          if (match.complete()) return "";
          std::string why;
          if (!match.missing.empty()) {
            why = "these phrases have no label:";
            for (const auto& m : match.missing) why += " \"" + m + "\"";
          }
          if (!match.invalid.empty()) {
            why += std::string(why.empty() ? "" : "; ") + "these phrases' labels are neither a video phrase nor None:";
            for (const auto& m : match.invalid) why += " \"" + m + "\"";
          }
          return why;
        },
        id, "stage 3");
  }

  io::Record s;
  s["type"] = "sample";
  s["id"] = id;
  s["video_fname"] = vc.at("source");
  s["fps"] = vc.at("fps");
  const auto& indices = vc.at("frame_indices");
  s["clip_start_frame"] = vc.contains("clip_start_frame") ? vc["clip_start_frame"] : indices.empty() ? io::Record(0u) : indices.front();
  s["clip_end_frame"] = vc.contains("clip_end_frame") ? vc["clip_end_frame"] : indices.empty() ? io::Record(0u) : indices.back();
  s["width"] = vc.at("width");
  s["height"] = vc.at("height");
  s["caption"] = vc.at("caption");
  s["tagged_caption"] = vc.at("tagged_caption");
  s["phrases"] = video_phrases;
  io::Record bboxes = io::Record::array(), out_labels = io::Record::array();
  for (size_t t = 0; t < labels.size(); ++t) {
    io::Record fb = io::Record::array(), fl = io::Record::array();
    for (size_t k = 0; k < labels[t].size(); ++k) {
      const int v = match.label.count(labels[t][k].get<std::string>()) ? match.label[labels[t][k].get<std::string>()] : -1;
      if (v < 0) continue;
      fb.push_back(boxes[t][k]);
      fl.push_back(video_phrases[v]);
    }
    bboxes.push_back(std::move(fb));
    out_labels.push_back(std::move(fl));
  }
  s["bboxes"] = std::move(bboxes);
  s["labels"] = std::move(out_labels);
  s["frame_indices"] = indices;
  io::Record assigned = io::Record::object();
  for (const auto& fp : frame_phrases) {
    const int v = match.label.count(fp) ? match.label[fp] : -1;
    assigned[fp] = v < 0 ? io::Record() : io::Record(video_phrases[v]);
  }
  s["frame_phrase_labels"] = std::move(assigned);
  s["dataset"] = "grove-annotate";
  io::require_valid(s, id);
  return s;
}

}  // namespace grove::annotate
