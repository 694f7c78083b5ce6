// See caption.h.
#include "text/caption.h"

#include <algorithm>
#include <cctype>

#include "core/error.h"
#include "core/strings.h"

namespace grove::text {

const char* const kInstructionGrounded =
    "Could you please give me a description of the video? Please respond with interleaved bounding boxes for the "
    "corresponding parts of the answer.";
const char* const kInstructionGlammGcg =
    "Could you please give me a detailed description of the image? Please respond with interleaved     segmentation "
    "masks for the corresponding parts of the answer.";
const char* const kInstructionSingleBox =
    "Could you please give me a description of the video? Please include a single bounding box per frame capturing "
    "the activity described in the caption.";

const std::vector<std::string> kGroundingQuestions = {
    "Could you please give me a description of the video? Please respond with interleaved bounding boxes for the "
    "corresponding parts of the answer.",
    "Can you provide a description of the this video? Please output with interleaved bounding boxes for the "
    "corresponding phrases.",
    "Please describe the contents of the video. Please respond with interleaved bounding boxes for the corresponding "
    "parts of the answer.",
    "Could you give an explanation of what can be found within this video? Please output with interleaved bounding "
    "boxes for the corresponding phrases.",
    "Could you give me an explanation of this video? Please respond with interleaved bounding boxes for the "
    "corresponding phrases.",
    "Could you provide me with an analysis of this video? Please output with interleaved bounding boxes for the "
    "corresponding parts of the answer.",
};

const std::vector<std::string> kStgQuestions = {
    "Could you please give me a description of the video? Please include a single bounding box per frame capturing "
    "the activity described in the caption.",
    "Can you provide a description of this video? Each frame should have one bounding box that encapsulates the "
    "activity described by the caption.",
    "Please describe the contents of the video. Include one bounding box per frame that highlights the activity "
    "mentioned in the caption.",
    "Could you give an explanation of what can be found within this video? For each frame, provide a bounding box "
    "that encapsulates the described activity.",
    "Could you give me an explanation of this video? Ensure there is one bounding box per frame to represent the "
    "activity described in the caption.",
    "Could you provide me with an analysis of this video? Include a bounding box in each frame encapsulating the "
    "activity outlined in the caption.",
};

namespace {

const char* const kSystem =
    "A chat between a curious human and an artificial intelligence assistant. The assistant gives helpful, "
    "detailed, and polite answers to the human's questions.";

// re.sub(r'<.*?>', '', s): every shortest <...> removed.
std::string remove_tags(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    if (s[i] == '<') {
      const size_t close = s.find('>', i + 1);
      if (close != std::string::npos) {
        i = close + 1;
        continue;
      }
    }
    out += s[i++];
  }
  return out;
}

// The groups of re.finditer(r'<p>(.*?)</p>', s): the text from each "<p>" to the first "</p>" after it, when no
// line break lies between them ('.' matches neither \n nor \r). A scan, since std::regex recurses once per
// character matched (a 200 KB answer overflowed the stack).
std::vector<std::string> tagged_phrases(const std::string& s) {
  std::vector<std::string> out;
  for (size_t i = 0;;) {
    const size_t at = s.find("<p>", i);
    if (at == std::string::npos) break;
    const size_t close = s.find("</p>", at + 3);
    if (close == std::string::npos) break;  // no later "<p>" has a "</p>" either
    const size_t brk = s.find_first_of("\n\r", at + 3);
    if (brk < close) {  // no match from here, nor from any "<p>" before the break
      i = brk + 1;
      continue;
    }
    out.push_back(s.substr(at + 3, close - at - 3));
    i = close + 4;
  }
  return out;
}

}  // namespace

std::string llava_prompt(const std::string& instruction, const std::string& answer, bool image) {
  std::string p = std::string(kSystem) +
                  (image ? " USER: The <im_start><image><im_end> provides an overview of the picture.\n"
                         : " USER: The <vid_start><video><vid_end> provides an overview of the video.\n") +
                  instruction + " ASSISTANT:";
  if (!answer.empty()) p += " " + answer + "</s>";
  return p;
}

Answer tagged_answer(const std::string& caption_in, const std::string& tagged_in,
                     const std::vector<std::string>& phrases_in, bool keep_case, const std::string& query) {
  // The original: caption.strip('"').strip().lower(), the tagged caption likewise.
  auto prepare = [&](const std::string& s) {
    std::string t = strip(strip(s, "\""));
    return keep_case ? t : lower(t);
  };
  const std::string caption = prepare(caption_in), tagged = prepare(tagged_in);
  struct Span {
    size_t start, length;
    std::string phrase;
  };
  std::vector<Span> spans;
  for (const auto& p_in : phrases_in) {
    const std::string phrase = keep_case ? p_in : lower(p_in);
    const size_t at = tagged.find("<p>" + phrase + "</p>");
    if (at == std::string::npos)
      throw Error("caption", "phrase \"" + p_in + "\" is not tagged as <p>" + p_in + "</p> in \"" + tagged_in + "\"");
    spans.push_back({remove_tags(tagged.substr(0, at)).size(), phrase.size(), phrase});
  }
  std::stable_sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.start < b.start; });
  Answer out;
  std::string text = caption;
  for (auto it = spans.rbegin(); it != spans.rend(); ++it) {  // in reverse, so earlier offsets stay valid
    if (it->start + it->length > text.size())
      throw Error("caption", "phrase \"" + it->phrase + "\" lies outside the caption \"" + caption_in + "\"");
    text = text.substr(0, it->start) + "<p> " + text.substr(it->start, it->length) + " </p> " + query +
           text.substr(it->start + it->length);
  }
  for (const auto& s : spans) out.phrases.push_back(s.phrase);
  out.text = text;
  return out;
}

std::string answer_of_decoded(const std::string& decoded) {
  std::string t = replace_all(decoded, "\n", "");
  // Python's replace("  ", " ") halves each run once (non-overlapping, left to right).
  std::string halved;
  for (size_t i = 0; i < t.size(); ++i) {
    halved += t[i];
    if (t[i] == ' ' && i + 1 < t.size() && t[i + 1] == ' ') ++i;
  }
  const std::string key = "ASSISTANT: ";
  const size_t at = halved.rfind(key);
  return at == std::string::npos ? halved : halved.substr(at + key.size());
}

ParsedCaption parse_answer(const std::string& text_output) {
  ParsedCaption out;
  for (const auto& p : tagged_phrases(text_output)) out.phrases.push_back(strip(p));
  auto no_queries = [](const std::string& s) { return replace_all(replace_all(s, "[DET]", ""), "[SEG]", ""); };
  out.caption = strip(strip(collapse_spaces(no_queries(remove_tags(text_output))), "'"));
  out.tagged_caption = strip(strip(collapse_spaces(no_queries(text_output)), "'"));
  return out;
}

}  // namespace grove::text
