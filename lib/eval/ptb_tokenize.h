// The COCO caption toolkit's tokenisation step (pycocoevalcap 1.2, tokenizer/ptbtokenizer.py), without Java:
//
//   1. the captions of one side (all references, or all candidates) become the lines of one text, each caption's
//      '\n' turned into a space;
//   2. Stanford CoreNLP 3.4.1's PTBTokenizer runs over that text with -preserveLines -lowerCase: its JFlex lexer
//      (PTBLexer.flex at tag v3.4.1, default options: PTB3 escaping, latex quotes, split assimilations, no
//      americanize) is emulated here rule by rule with RE2 (longest match, earliest rule on ties, trailing
//      contexts), then each token is lowercased as Java's String.toLowerCase(Locale.ENGLISH) does;
//   3. the toolkit drops the tokens '' ' `` ` -LRB- -RRB- -LCB- -RCB- . ? ! , : - -- ... ; and joins the rest
//      with single spaces. (-lowerCase has already turned -LRB- into -lrb-, so brackets survive as -lrb- -rrb-
//      -lsb- -rsb- -lcb- -rcb-; this is the toolkit's behaviour and is kept.)
//
// Known divergences, all outside what captions normally hold (tests/unit/caption_metrics_test.cpp checks the
// rest against the real tokenizer's output in tests/data/eval/captions_fixture.json):
//   - the line breaks PTBLexer knows besides '\n' (\r, U+000B, U+000C, U+0085, U+2028, U+2029) are read as
//     spaces: the toolkit turns each into an extra output line, which shifts every later caption onto the wrong
//     image; grove keeps each caption on its own line instead;
//   - Unicode classes ([:letter:], [:digit:], [:uppercase:]) come from RE2's Unicode tables, not the Java 6-era
//     tables JFlex 1.4.3 compiled in; characters added to Unicode since then may be classed differently;
//   - a character outside the Basic Multilingual Plane (an emoji) is one code point here, two UTF-16 units there;
//     both delete it as untokenizable, but lengths counted in UTF-16 units (the 3-4 hyphen rule) are counted in
//     code points here;
//   - trailing-context rules return the longest r1 for which r2 matches the rest of the longest r1r2 match;
//     JFlex 1.4.3's own lookahead code was known to mis-size some of them (PTBLexer works around it).
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace grove::eval {

// PTBTokenizer -preserveLines -lowerCase over the given lines (joined with '\n', as the toolkit writes its
// temporary file): one string of space-separated tokens per input line.
std::vector<std::string> ptb_tokenize_lines(const std::vector<std::string>& lines);

// The tokens PTBTokenizer makes of one text, before lowercasing: "*NL*" stands for a line break.
std::vector<std::string> ptb_tokens(std::string_view text);

// The toolkit's whole step for one side: step 1 to 3 above, one tokenised caption per input caption.
std::vector<std::string> coco_tokenize(const std::vector<std::string>& captions);

// True for the tokens the toolkit removes after tokenising.
bool coco_punctuation(std::string_view token);

// Java's String.toLowerCase(Locale.ENGLISH) on UTF-8 text (Unicode simple case mapping, plus Java's two special
// cases: U+0130 becomes "i" + U+0307, and a capital sigma at the end of a word becomes a final sigma).
std::string java_lowercase(std::string_view text);

}  // namespace grove::eval
