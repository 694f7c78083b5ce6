// See answers.h.
#include "annotate/answers.h"

#include <algorithm>
#include <cctype>

#include "core/error.h"
#include "core/strings.h"

namespace grove::annotate {

namespace {

// A quoted string starting at s[i] (a quote character): its content (\-escapes resolved) and the index after the
// closing quote. A quote closes the string only where what follows it (after spaces) ends a value: , : } ] ) or a
// line end, so "the person's hand" inside single quotes survives. Returns false when the string is not closed.
bool read_quoted(const std::string& s, size_t i, std::string& out, size_t& end) {
  const char q = s[i];
  out.clear();
  for (size_t k = i + 1; k < s.size(); ++k) {
    if (s[k] == '\\' && k + 1 < s.size()) {
      const char e = s[++k];
      out += e == 'n' ? '\n' : e == 't' ? '\t' : e;
      continue;
    }
    if (s[k] == q) {
      size_t n = k + 1;
      while (n < s.size() && (s[n] == ' ' || s[n] == '\t')) ++n;
      if (n >= s.size() || std::string(",:}])\r\n").find(s[n]) != std::string::npos) {
        end = k + 1;
        return true;
      }
    }
    out += s[k];
  }
  return false;
}

size_t skip_space(const std::string& s, size_t i) {
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return i;
}

}  // namespace

std::string normalise_phrase(const std::string& phrase) {
  std::string s = phrase;
  for (const char* tag : {"<p>", "</p>", "<P>", "</P>"})
    for (size_t at; (at = s.find(tag)) != std::string::npos;) s.replace(at, std::char_traits<char>::length(tag), " ");
  return lower(collapse_spaces(strip(s, " \t\r\n\"'`.,;:[](){}*")));
}

CaptionAnswer parse_caption_answer(const std::string& answer) {
  std::string text;
  const std::string low = lower(answer);
  // The first "caption" that is a key: followed (after an optional closing quote and spaces) by a colon.
  for (size_t key = low.find("caption"); key != std::string::npos && text.empty(); key = low.find("caption", key + 1)) {
    size_t i = key + 7;
    if (i < answer.size() && (answer[i] == '\'' || answer[i] == '"')) ++i;
    i = skip_space(answer, i);
    if (i >= answer.size() || answer[i] != ':') continue;
    i = skip_space(answer, i + 1);
    size_t end = 0;
    if (i < answer.size() && (answer[i] == '\'' || answer[i] == '"')) {
      if (!read_quoted(answer, i, text, end)) text = strip(answer.substr(i + 1), " \t\r\n\"'}");  // unclosed
    } else if (i < answer.size()) {  // unquoted: the rest of the line
      const size_t nl = answer.find('\n', i);
      text = strip(answer.substr(i, nl == std::string::npos ? std::string::npos : nl - i), " \t\r\n\"'}");
    }
  }
  if (text.find("<p>") == std::string::npos && text.find("<P>") == std::string::npos) {
    text.clear();
    size_t start = 0;
    while (start <= answer.size()) {
      size_t nl = answer.find('\n', start);
      std::string line = answer.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
      if (lower(line).find("<p>") != std::string::npos) {
        text = strip(line, " \t\r\n\"'`{}");
        break;
      }
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
  }
  if (text.empty()) throw Error("answer", "no tagged caption (neither a CAPTION key nor a line with <p> tags)");

  CaptionAnswer out;
  std::string plain, tagged;
  size_t i = 0;
  const std::string ltext = lower(text);
  // Text between tags; after a tag, spaces before punctuation go ("<p>a bowl</p> ." -> "<p>a bowl</p>.").
  auto between = [&](std::string segment, bool after_tag) {
    if (after_tag) {
      const size_t first = segment.find_first_not_of(" \t\r\n");
      if (first != std::string::npos && std::string(",.;:!?").find(segment[first]) != std::string::npos)
        segment.erase(0, first);
    }
    tagged += segment, plain += segment;
  };
  bool after_tag = false;
  while (i < text.size()) {
    const size_t open = ltext.find("<p>", i), close_before = ltext.find("</p>", i);
    if (close_before != std::string::npos && (open == std::string::npos || close_before < open))
      throw Error("answer", "a </p> without its <p> in \"" + text + "\"");
    if (open == std::string::npos) {
      between(text.substr(i), after_tag);
      break;
    }
    between(text.substr(i, open - i) + " ", after_tag);
    const size_t close = ltext.find("</p>", open + 3), nested = ltext.find("<p>", open + 3);
    if (close == std::string::npos) throw Error("answer", "a <p> without its </p> in \"" + text + "\"");
    if (nested != std::string::npos && nested < close) throw Error("answer", "nested <p> tags in \"" + text + "\"");
    const std::string phrase = collapse_spaces(text.substr(open + 3, close - open - 3));
    if (phrase.empty()) throw Error("answer", "an empty <p></p> in \"" + text + "\"");
    out.phrases.push_back(phrase);
    tagged += "<p>" + phrase + "</p>";
    plain += phrase;
    after_tag = true;
    i = close + 4;
  }
  out.tagged_caption = collapse_spaces(tagged);
  out.caption = collapse_spaces(plain);
  return out;
}

std::vector<std::pair<std::string, std::string>> parse_label_pairs(const std::string& answer) {
  std::vector<std::pair<std::string, std::string>> pairs;
  // Quoted keys: 'key': 'value' | "key": "value" | 'key': None
  for (size_t i = 0; i < answer.size(); ++i) {
    if (answer[i] != '\'' && answer[i] != '"') continue;
    std::string key, value;
    size_t end = 0;
    if (!read_quoted(answer, i, key, end)) continue;
    size_t k = skip_space(answer, end);
    if (k >= answer.size() || answer[k] != ':') {
      i = end - 1;
      continue;
    }
    k = skip_space(answer, k + 1);
    if (k < answer.size() && (answer[k] == '\'' || answer[k] == '"') && read_quoted(answer, k, value, end)) {
      pairs.emplace_back(key, value);
      i = end - 1;
    } else {
      size_t e = k;
      while (e < answer.size() && (std::isalnum(static_cast<unsigned char>(answer[e])) || answer[e] == '_' || answer[e] == '/')) ++e;
      if (e > k) pairs.emplace_back(key, answer.substr(k, e - k));
      i = std::max(e, end) - 1;
    }
  }
  if (!pairs.empty()) return pairs;
  // Lines: "a man -> a person", "- a knife: None", "1. the bowl => a bowl"
  size_t start = 0;
  while (start < answer.size()) {
    size_t nl = answer.find('\n', start);
    std::string line = strip(answer.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    start = nl == std::string::npos ? answer.size() : nl + 1;
    size_t b = 0;
    while (b < line.size() && (line[b] == '-' || line[b] == '*' || std::isdigit(static_cast<unsigned char>(line[b])) ||
                               line[b] == '.' || line[b] == ')' || line[b] == ' '))
      ++b;
    line = line.substr(b);
    for (const char* sep : {"->", "=>", ":"}) {
      const size_t at = line.find(sep);
      if (at == std::string::npos) continue;
      const std::string key = strip(line.substr(0, at), " \t\"'`,"), value = strip(line.substr(at + std::char_traits<char>::length(sep)), " \t\"'`,");
      if (!key.empty() && !value.empty()) pairs.emplace_back(key, value);
      break;
    }
  }
  return pairs;
}

LabelMatch match_labels(const std::vector<std::pair<std::string, std::string>>& pairs,
                        const std::vector<std::string>& frame_phrases, const std::vector<std::string>& video_phrases) {
  LabelMatch m;
  std::map<std::string, std::string> said;  // normalised frame phrase -> label as written (the first one given)
  for (const auto& [k, v] : pairs) said.emplace(normalise_phrase(k), v);
  for (const auto& fp : frame_phrases) {
    auto it = said.find(normalise_phrase(fp));
    if (it == said.end()) {
      m.missing.push_back(fp);
      continue;
    }
    const std::string v = normalise_phrase(it->second);
    if (v == "none" || v == "null" || v == "n/a" || v.empty()) {
      m.label[fp] = -1;
      continue;
    }
    int found = -1;
    for (size_t j = 0; j < video_phrases.size() && found < 0; ++j)
      if (normalise_phrase(video_phrases[j]) == v) found = static_cast<int>(j);
    if (found < 0) m.invalid.push_back(fp);
    else m.label[fp] = found;
  }
  return m;
}

}  // namespace grove::annotate
