// The LLM's answers in the annotation pipeline, read tolerantly: models wrap what was asked for in prose, Markdown
// fences, Python dict syntax or JSON, and quote with either quote character. What cannot be read is a
// grove::Error("answer", why), which the caller answers with another attempt.
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace grove::annotate {

// Stage 2: the video-level caption. Accepts {'CAPTION': '...'} / {"CAPTION": "..."} (any case, apostrophes inside
// single quotes included) or, without that key, the first line holding a <p> tag.
struct CaptionAnswer {
  std::string tagged_caption;        // "<p>A person</p> is stirring <p>food</p> ..." (tags tight, spaces collapsed)
  std::string caption;               // without the tags
  std::vector<std::string> phrases;  // the tagged phrases in order
};
// Throws grove::Error("answer", why) when there is no caption, its tags do not pair up, or no phrase is tagged.
CaptionAnswer parse_caption_answer(const std::string& answer);

// Stage 3: "frame phrase" -> "label" pairs in the order given, from JSON or Python-style maps ('a': 'b', "a": None)
// or from lines "a -> b", "a: b", "- a => b". Keys and values are returned as written (quotes removed).
std::vector<std::pair<std::string, std::string>> parse_label_pairs(const std::string& answer);

// Lower case, <p> tags and surrounding quotes/punctuation removed, spaces collapsed: how labels are compared.
std::string normalise_phrase(const std::string& phrase);

// Each frame phrase's video phrase (its index) or -1 for None, from an answer's pairs. A frame phrase the answer
// does not mention is in `missing`; one whose label is neither a video phrase (by normalise_phrase) nor
// None/null/none is in `invalid`.
struct LabelMatch {
  std::map<std::string, int> label;  // frame phrase -> video phrase index, or -1
  std::vector<std::string> missing, invalid;
  bool complete() const { return missing.empty() && invalid.empty(); }
};
LabelMatch match_labels(const std::vector<std::pair<std::string, std::string>>& pairs,
                        const std::vector<std::string>& frame_phrases, const std::vector<std::string>& video_phrases);

}  // namespace grove::annotate
