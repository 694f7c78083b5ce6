#include "eval/ptb_tokenize.h"

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <clocale>
#include <cstdio>
#include <cctype>
#include <cwctype>
#include <locale.h>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "core/strings.h"
#include "core/utf8.h"

namespace grove::eval {

namespace {

// ---- UTF-8 helpers -------------------------------------------------------------------------------------------

size_t code_points(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0, len = 0; i < s.size(); i += len, ++n) utf8_decode(s, i, &len);
  return n;
}

// ---- PTBLexer's macros and rules, in JFlex syntax --------------------------------------------------------------
// Transcribed from PTBLexer.flex (CoreNLP v3.4.1); translate() below turns them into RE2 syntax.

const std::map<std::string, std::string>& macros() {
  static const std::map<std::string, std::string> m = {
      {"SGML",
       R"(\<([!\?][A-Za-z\-][^>\r\n]*|[A-Za-z][A-Za-z0-9_:\.\-]*([ ]+([A-Za-z][A-Za-z0-9_:\.\-]*|[A-Za-z][A-Za-z0-9_:\.\-]*[ ]*=[ ]*('[^']*'|\"[^\"]*\")))*[ ]*\/?|\/[A-Za-z][A-Za-z0-9_:\.\-]*)[ ]*\>)"},
      {"SPMDASH", R"(&(MD|mdash|ndash);|[\u0096\u0097\u2013\u2014\u2015])"},
      {"SPAMP", R"(&amp;)"},
      {"SPPUNC", R"(&(HT|TL|UR|LR|QC|QL|QR|odq|cdq|#[0-9]+);)"},
      {"SPLET", R"(&[aeiouAEIOU](acute|grave|uml);)"},
      {"SPACE", R"([ \t\u00A0\u2000-\u200A\u3000])"},
      {"SPACES", R"({SPACE}+)"},
      {"NEWLINE", R"(\r|\r?\n|\u2028|\u2029|\u000B|\u000C|\u0085)"},
      {"SPACENL", R"(({SPACE}|{NEWLINE}))"},
      {"SPACENLS", R"({SPACENL}+)"},
      {"SENTEND", R"({SPACENL}({SPACENL}|[:uppercase:]|{SGML}))"},
      {"DIGIT", R"([:digit:]|[\u07C0-\u07C9])"},
      {"DATE", R"({DIGIT}{1,2}[\-\/]{DIGIT}{1,2}[\-\/]{DIGIT}{2,4})"},
      {"NUM", R"({DIGIT}+|{DIGIT}*([.:,\u00AD\u066B\u066C]{DIGIT}+)+)"},
      {"NUMBER", R"([\-+]?{NUM})"},
      {"SUBSUPNUM", R"([\u207A\u207B\u208A\u208B]?([\u2070\u00B9\u00B2\u00B3\u2074-\u2079]+|[\u2080-\u2089]+))"},
      {"FRAC", R"(({DIGIT}{1,4}[- \u00A0])?{DIGIT}{1,4}(\\?\/|\u2044){DIGIT}{1,4})"},
      {"FRAC2", R"([\u00BC\u00BD\u00BE\u2153-\u215E])"},
      {"DOLSIGN", R"(([A-Z]*\$|#))"},
      {"DOLSIGN2",
       R"([\u00A2\u00A3\u00A4\u00A5\u0080\u20A0\u20AC\u060B\u0E3F\u20A4\uFFE0\uFFE1\uFFE5\uFFE6])"},
      {"LETTER",
       R"(([:letter:]|{SPLET}|[\u00AD\u0237-\u024F\u02C2-\u02C5\u02D2-\u02DF\u02E5-\u02FF\u0300-\u036F\u0370-\u037D\u0384\u0385\u03CF\u03F6\u03FC-\u03FF\u0483-\u0487\u04CF\u04F6-\u04FF\u0510-\u0525\u055A-\u055F\u0591-\u05BD\u05BF\u05C1\u05C2\u05C4\u05C5\u05C7\u0615-\u061A\u063B-\u063F\u064B-\u065E\u0670\u06D6-\u06EF\u06FA-\u06FF\u070F\u0711\u0730-\u074F\u0750-\u077F\u07A6-\u07B1\u07CA-\u07F5\u07FA\u0900-\u0903\u093C\u093E-\u094E\u0951-\u0955\u0962-\u0963\u0981-\u0983\u09BC-\u09C4\u09C7\u09C8\u09CB-\u09CD\u09D7\u09E2\u09E3\u0A01-\u0A03\u0A3C\u0A3E-\u0A4F\u0A81-\u0A83\u0ABC-\u0ACF\u0B82\u0BBE-\u0BC2\u0BC6-\u0BC8\u0BCA-\u0BCD\u0C01-\u0C03\u0C3E-\u0C56\u0D3E-\u0D44\u0D46-\u0D48\u0E30-\u0E3A\u0E47-\u0E4E\u0EB1-\u0EBC\u0EC8-\u0ECD]))"},
      {"WORD", R"({LETTER}({LETTER}|{DIGIT})*([.!?]{LETTER}({LETTER}|{DIGIT})*)*)"},
      {"FILENAME_EXT",
       R"(bat|bmp|c|class|cgi|cpp|dll|doc|docx|exe|gif|gz|h|htm|html|jar|java|jpeg|jpg|mov|mp3|pdf|php|pl|png|ppt|ps|py|sql|tar|txt|wav|x|xml|zip)"},
      {"FILENAME", R"(({LETTER}|{DIGIT})+([.]({LETTER}|{DIGIT})+)*([.]{FILENAME_EXT}))"},
      {"THING",
       R"(([dDoOlL]{APOSETCETERA}([:letter:]|[:digit:]))?([:letter:]|[:digit:])+({HYPHEN}([dDoOlL]{APOSETCETERA}([:letter:]|[:digit:]))?([:letter:]|[:digit:])+)*)"},
      {"THINGA", R"([A-Z]+(([+&]|{SPAMP})[A-Z]+)+)"},
      {"THING3", R"([A-Za-z0-9]+(-[A-Za-z]+){0,2}(\\?\/[A-Za-z0-9]+(-[A-Za-z]+){0,2}){1,2})"},
      {"APOS", R"(['\u0092\u2019]|&apos;)"},
      {"APOSETCETERA", R"({APOS}|[`\u0091\u2018\u201B])"},
      {"HTHING", R"([A-Za-z0-9][A-Za-z0-9.,\u00AD]*(-([A-Za-z0-9\u00AD]+|{ACRO2}\.))+)"},
      {"REDAUX", R"({APOS}([msdMSD]|re|ve|ll))"},
      {"SWORD", R"([A-Za-z\u00AD]*[A-MO-Za-mo-z](\u00AD)*)"},
      {"SREDAUX", R"(n{APOSETCETERA}t)"},
      {"APOWORD",
       R"({APOS}n{APOS}?|[lLdDjJ]{APOS}|Dunkin{APOS}|somethin{APOS}|ol{APOS}|{APOS}em|[A-HJ-XZn]{APOSETCETERA}[:letter:]{2}[:letter:]*|{APOS}[2-9]0s|{APOS}till?|[:letter:][:letter:]*[aeiouyAEIOUY]{APOSETCETERA}[aeiouA-Z][:letter:]*|{APOS}cause|cont'd\.?|'twas|nor'easter|c'mon|e'er|s'mores|ev'ry|li'l|nat'l|O{APOSETCETERA}o)"},
      {"APOWORD2", R"(y{APOS})"},
      {"FULLURL", R"(https?:\/\/[^ \t\n\f\r\"<>|(){}]+[^ \t\n\f\r\"<>|.!?(){},-])"},
      {"LIKELYURL",
       R"(((www\.([^ \t\n\f\r\"<>|.!?(){},]+\.)+[a-zA-Z]{2,4})|(([^ \t\n\f\r\"`'<>|.!?(){},-_$]+\.)+(com|net|org|edu)))(\/[^ \t\n\f\r\"<>|()]+[^ \t\n\f\r\"<>|.!?(){},-])?)"},
      {"EMAIL",
       R"((&lt;|<)?[a-zA-Z0-9][^ \t\n\f\r\"<>|()\u00A0{}]*@([^ \t\n\f\r\"<>|(){}.\u00A0]+\.)*([^ \t\n\f\r\"<>|(){}.\u00A0]+)(&gt;|>)?)"},
      {"TWITTER_NAME", R"(@[a-zA-Z_][a-zA-Z_0-9]*)"},
      {"TWITTER_CATEGORY", R"(#{LETTER}+)"},
      {"TWITTER", R"({TWITTER_NAME}|{TWITTER_CATEGORY})"},
      {"ABMONTH", R"(Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)"},
      {"ABDAYS", R"(Mon|Tue|Tues|Wed|Thu|Thurs|Fri)"},
      {"ABSTATE",
       R"(Ala|Ariz|[A]z|[A]rk|Calif|Colo|Conn|Ct|Dak|[D]el|Fla|Ga|[I]ll|Ind|Kans?|Ky|[L]a|[M]ass|Md|Mich|Minn|[M]iss|Mo|Mont|Neb|Nev|Okla|[O]re|[P]a|Penn|Tenn|[T]ex|Va|Vt|[W]ash|Wisc?|Wyo)"},
      {"ABCOMP", R"(Inc|Cos?|Corp|Pp?t[ye]s?|Ltd|Plc|Rt|Bancorp|Bhd|Assn|Univ|Intl|Sys)"},
      {"ABNUM", R"(tel|est|ext|sq)"},
      {"ABPTIT", R"(Jr|Sr|Bros|(Ed|Ph)\.D|Blvd|Rd|Esq)"},
      {"ABBREV1", R"(({ABMONTH}|{ABDAYS}|{ABSTATE}|{ABCOMP}|{ABNUM}|{ABPTIT}|etc|al|seq|Bldg)\.)"},
      {"ACRO", R"([A-Za-z](\.[A-Za-z])*|(Canada|Sino|Korean|EU|Japan|non)-U\.S|U\.S\.-(U\.K|U\.S\.S\.R))"},
      {"ACRO2", R"([A-Za-z](\.[A-Za-z])+|(Canada|Sino|Korean|EU|Japan|non)-U\.S|U\.S\.-(U\.K|U\.S\.S\.R))"},
      {"ABTITLE",
       R"(Mr|Mrs|Ms|[M]iss|Drs?|Profs?|Sens?|Reps?|Attys?|Lt|Col|Gen|Messrs|Govs?|Adm|Rev|Maj|Sgt|Cpl|Pvt|Capt|Ste?|Ave|Pres|Lieut|Hon|Brig|Co?mdr|Pfc|Spc|Supts?|Det|Mt|Ft|Adj|Adv|Asst|Assoc|Ens|Insp|Mlle|Mme|Msgr|Sfc)"},
      {"ABCOMP2", R"(Invt|Elec|Natl|M[ft]g|Dept)"},
      {"ABBREV4", R"({ABTITLE}|vs|Alex|Wm|Jos|Cie|a\.k\.a|cf|TREAS|Ph|{ACRO}|{ABCOMP2})"},
      {"ABBREV2", R"({ABBREV4}\.)"},
      {"ACRONYM", R"(({ACRO})\.)"},
      {"ABBREV3", R"((ca|figs?|prop|nos?|art|bldg|prop|pp|op)\.)"},
      {"PHONE",
       R"((\([0-9]{2,3}\)[ \u00A0]?|(\+\+?)?([0-9]{2,4}[\- \u00A0])?[0-9]{2,4}[\- \u00A0])[0-9]{3,4}[\- \u00A0]?[0-9]{3,5}|((\+\+?)?[0-9]{2,4}\.)?[0-9]{2,4}\.[0-9]{3,4}\.[0-9]{3,5})"},
      {"FAKEDUCKFEET", R"(<<|>>)"},
      {"LESSTHAN", R"(<|&lt;)"},
      {"GREATERTHAN", R"(>|&gt;)"},
      {"HYPHEN", R"([-_\u058A\u2010\u2011])"},
      {"HYPHENS", R"(\-+)"},
      {"LDOTS", R"(\.{3,5}|(\.[ \u00A0]){2,4}\.|[\u0085\u2026])"},
      {"ATS", R"(@+)"},
      {"UNDS", R"(_+)"},
      {"ASTS", R"(\*+|(\\\*){1,3})"},
      {"HASHES", R"(#+)"},
      {"FNMARKS", R"({ATS}|{HASHES}|{UNDS})"},
      {"INSENTP", R"([,;:\u3001])"},
      {"QUOTES",
       R"({APOS}|''|[`\u2018\u2019\u201A\u201B\u201C\u201D\u0091\u0092\u0093\u0094\u201E\u201F\u2039\u203A\u00AB\u00BB]{1,2})"},
      {"DBLQUOT", R"(\"|&quot;)"},
      {"TBSPEC", R"(-(RRB|LRB|RCB|LCB|RSB|LSB)-|C\.D\.s|pro-|anti-|S(&|&amp;)P-500|S(&|&amp;)Ls|Cap{APOS}n|c{APOS}est)"},
      {"TBSPEC2", R"({APOS}[0-9][0-9])"},
      {"SMILEY", R"([<>]?[:;=][\-o\*']?[\(\)DPdpO\\{@\|\[\]])"},
      {"ASIANSMILEY",
       R"([\^x=~<>]\.\[\^x=~<>]|[\-\^x=~<>']_[\-\^x=~<>']|\([\-\^x=~<>'][_.]?[\-\^x=~<>']\)|\([\^x=~<>']-[\^x=~<>'`]\))"},
      {"MISCSYMBOL",
       R"([+%&~\^|\\¦\u00A7¨\u00A9\u00AC\u00AE¯\u00B0-\u00B3\u00B4-\u00BA\u00D7\u00F7\u0387\u05BE\u05C0\u05C3\u05C6\u05F3\u05F4\u0600-\u0603\u0606-\u060A\u060C\u0614\u061B\u061E\u066A\u066D\u0703-\u070D\u07F6\u07F7\u07F8\u0964\u0965\u0E4F\u1FBD\u2016\u2017\u2020-\u2023\u2030-\u2038\u203B\u203E-\u2042\u2044\u207A-\u207F\u208A-\u208E\u2100-\u214F\u2190-\u21FF\u2200-\u2BFF\u3012\u30FB\uFF01-\uFF0F\uFF1A-\uFF20\uFF3B-\uFF40\uFF5B-\uFF65\uFF65])"},
  };
  return m;
}

// What a rule does with its text.
enum class Act {
  Plain,           // the text as it is
  Skip,            // no token (spaces, deleted characters)
  Newline,         // the *NL* token
  PushBack2,       // gonna -> gon (the last 2 characters are read again)
  PushBack3,       // cannot -> can
  SpaceToNbsp,     // SGML, fractions: spaces become U+00A0
  SoftHyphens,     // soft hyphens removed
  MDash,           // "--"
  Amp,             // &amp; -> &
  QuoteRight,      // handleQuotes(text, false)
  QuoteLeft,       // handleQuotes(text, true)
  Currency,        // cents, #, $
  Fraction,        // vulgar fractions spelled out
  Acronym,         // the ACRONYM-before-sentence-start rule
  AbbrevPeriod,    // the text, and its final period read again
  Phone,           // spaces -> U+00A0, brackets -> -LRB- -RRB-
  Smiley,          // brackets -> -LRB- -RRB-
  Less,            // "<"
  Greater,         // ">"
  LCB, RCB, LSB, RSB, LRB, RRB,
  Hyphens,         // 3 or 4 hyphens -> "--"
  Ellipsis,        // "..."
};

struct RuleSpec {
  const char* r1;
  const char* r2;  // trailing context, "" if none
  Act act;
};

// The rules of PTBLexer.flex in their order (the YyTraditionalTreebank3 state, which PTBTokenizer uses).
const std::vector<RuleSpec>& rule_specs() {
  static const std::vector<RuleSpec> r = {
      {R"(c[+][+])", "", Act::Plain},
      {R"((c|f)#)", "", Act::Plain},
      {R"(cannot)", "", Act::PushBack3},
      {R"('twas)", "", Act::PushBack3},
      {R"('tis)", "", Act::PushBack2},
      {R"(gonna|gotta|lemme|gimme|wanna)", "", Act::PushBack2},
      {R"({SGML})", "", Act::SpaceToNbsp},
      {R"({SPMDASH})", "", Act::MDash},
      {R"({SPAMP})", "", Act::Amp},
      {R"({SPPUNC})", "", Act::Plain},
      {R"({WORD})", R"({REDAUX})", Act::SoftHyphens},
      {R"({SWORD})", R"({SREDAUX})", Act::SoftHyphens},
      {R"({WORD})", "", Act::SoftHyphens},
      {R"({APOWORD})", "", Act::Plain},
      {R"({APOWORD2})", R"([:letter:])", Act::Plain},
      {R"({FULLURL})", "", Act::Plain},
      {R"({LIKELYURL})", "", Act::Plain},
      {R"({EMAIL})", "", Act::Plain},
      {R"({TWITTER})", "", Act::Plain},
      {R"({REDAUX})", R"([^A-Za-z])", Act::QuoteRight},
      {R"({SREDAUX})", R"([^A-Za-z])", Act::QuoteRight},
      {R"({DATE})", "", Act::Plain},
      {R"({NUMBER})", "", Act::SoftHyphens},
      {R"({SUBSUPNUM})", "", Act::Plain},
      {R"({FRAC})", "", Act::SpaceToNbsp},
      {R"({FRAC2})", "", Act::Fraction},
      {R"({TBSPEC})", "", Act::Amp},
      {R"({THING3})", "", Act::Plain},
      {R"({DOLSIGN})", "", Act::Plain},
      {R"({DOLSIGN2})", "", Act::Currency},
      {R"({ACRONYM})",
       R"(({SPACENLS})([A]bout|[A]ccording|[A]dditionally|[A]fter|[A]n|[A]|[A]s|[A]t|[B]ut|[E]arlier|[H]e|[H]er|[H]ere|[H]owever|[I]f|[I]n|[I]t|[L]ast|[M]any|[M]ore|[M]r\.|[M]s\.|[N]ow|[O]nce|[O]ne|[O]ther|[O]ur|[S]he|[S]ince|[S]o|[S]ome|[S]uch|[T]hat|[T]he|[T]heir|[T]hen|[T]here|[T]hese|[T]hey|[T]his|[W]e|[W]hen|[W]hile|[W]hat|[Y]et|[Y]ou|{SGML}){SPACENL})",
       Act::Acronym},
      {R"({ABBREV3})", R"({SPACENL}?[:digit:])", Act::Plain},
      {R"((pt[eyEY]|co)\.)", R"({SPACE}(ltd|lim))", Act::Plain},
      {R"({ABBREV1})", R"({SENTEND})", Act::AbbrevPeriod},
      {R"({ABBREV1})", R"([^][^])", Act::Plain},
      {R"({ABBREV1})", "", Act::AbbrevPeriod},
      {R"({ABBREV2})", "", Act::Plain},
      {R"({ABBREV4})", R"({SPACE})", Act::Plain},
      {R"({ACRO})", R"({SPACENL})", Act::Plain},
      {R"({TBSPEC2})", R"({SPACENL})", Act::Plain},
      {R"({FILENAME})", R"(({SPACENL}|[.?!,]))", Act::Plain},
      {R"({WORD}\.)", R"({INSENTP})", Act::SoftHyphens},
      {R"({PHONE})", "", Act::Phone},
      {R"({DBLQUOT})", R"([A-Za-z0-9$])", Act::QuoteLeft},
      {R"({DBLQUOT})", "", Act::QuoteRight},
      {R"(\u007F)", "", Act::Skip},
      {R"({LESSTHAN})", "", Act::Less},
      {R"({GREATERTHAN})", "", Act::Greater},
      {R"({SMILEY})", R"([^A-Za-z0-9])", Act::Smiley},
      {R"({ASIANSMILEY})", "", Act::Smiley},
      {R"(\{)", "", Act::LCB},
      {R"(\})", "", Act::RCB},
      {R"(\[)", "", Act::LSB},
      {R"(\])", "", Act::RSB},
      {R"(\()", "", Act::LRB},
      {R"(\))", "", Act::RRB},
      {R"({HYPHENS})", "", Act::Hyphens},
      {R"({LDOTS})", "", Act::Ellipsis},
      {R"({FNMARKS})", "", Act::Plain},
      {R"({ASTS})", "", Act::Plain},
      {R"({INSENTP})", "", Act::Plain},
      {R"([?!]+)", "", Act::Plain},
      {R"([.¡¿\u037E\u0589\u061F\u06D4\u0700-\u0702\u07FA\u3002])", "", Act::Plain},
      {R"(=)", "", Act::Plain},
      {R"(\/)", "", Act::Plain},
      {R"({HTHING}\.)", R"({INSENTP})", Act::SoftHyphens},
      {R"({HTHING})", "", Act::SoftHyphens},
      {R"({THING}\.)", R"({INSENTP})", Act::Plain},
      {R"({THING})", "", Act::Plain},
      {R"({THINGA}\.)", R"({INSENTP})", Act::Amp},
      {R"({THINGA})", "", Act::Amp},
      {R"(')", R"([A-Za-z][^ \t\n\r\u00A0])", Act::QuoteLeft},
      {R"({REDAUX})", "", Act::QuoteRight},
      {R"({SREDAUX})", "", Act::QuoteRight},
      {R"({QUOTES})", "", Act::QuoteRight},
      {R"({FAKEDUCKFEET})", "", Act::Plain},
      {R"({MISCSYMBOL})", "", Act::Plain},
      {R"(\u0000|{SPACES}|[\u200B\u200E-\u200F\uFEFF])", "", Act::Skip},
      {R"({NEWLINE})", "", Act::Newline},
      {R"(&nbsp;)", "", Act::Skip},
      {R"(.)", "", Act::Skip},  // untokenizable: deleted (PTBLexer's default, untokenizable=firstDelete)
  };
  return r;
}

// ---- JFlex syntax to RE2 syntax ----------------------------------------------------------------------------------

std::string hex_escape(char32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "\\x{%X}", static_cast<unsigned>(cp));
  return buf;
}

// One escape sequence starting at p[i] == '\\': its code point; advances i past it.
char32_t read_escape(const std::string& p, size_t& i) {
  char c = p[i + 1];
  if (c == 'u') {
    char32_t cp = static_cast<char32_t>(std::stoul(p.substr(i + 2, 4), nullptr, 16));
    i += 6;
    return cp;
  }
  i += 2;
  switch (c) {
    case 't': return '\t';
    case 'n': return '\n';
    case 'r': return '\r';
    case 'f': return '\f';
    case '0': return 0;
    default: return static_cast<unsigned char>(c);
  }
}

std::string translate(const std::string& p);

std::string expand_macro(const std::string& name) {
  static std::map<std::string, std::string> cache;
  static std::mutex mu;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = cache.find(name);
    if (it != cache.end()) return it->second;
  }
  auto m = macros().find(name);
  if (m == macros().end()) throw std::logic_error("PTBLexer macro {" + name + "} undefined");
  std::string out = "(?:" + translate(m->second) + ")";
  std::lock_guard<std::mutex> lock(mu);
  cache[name] = out;
  return out;
}

// Translates a JFlex regular expression: %caseless letters outside classes, \uXXXX, [:class:], {MACRO}, "."
std::string translate(const std::string& p) {
  std::string out;
  size_t i = 0;
  while (i < p.size()) {
    char c = p[i];
    if (c == '{' && i + 1 < p.size() && std::isalpha(static_cast<unsigned char>(p[i + 1]))) {
      size_t end = p.find('}', i);
      out += expand_macro(p.substr(i + 1, end - i - 1));
      i = end + 1;
    } else if (c == '{') {  // {n,m}
      size_t end = p.find('}', i);
      out += p.substr(i, end - i + 1);
      i = end + 1;
    } else if (c == '\\') {
      char32_t cp = read_escape(p, i);
      if (cp < 0x80 && std::isalpha(static_cast<int>(cp))) {
        out += '[';
        out += static_cast<char>(std::tolower(static_cast<int>(cp)));
        out += static_cast<char>(std::toupper(static_cast<int>(cp)));
        out += ']';
      } else {
        out += hex_escape(cp);
      }
    } else if (c == '"') {  // string literal (only \" is used inside)
      ++i;
      while (p[i] != '"') {
        char32_t cp = p[i] == '\\' ? read_escape(p, i) : static_cast<unsigned char>(p[i++]);
        out += hex_escape(cp);
      }
      ++i;
    } else if (c == '[') {
      if (p.compare(i, 3, "[^]") == 0) {  // JFlex: any character
        out += "(?s:.)";
        i += 3;
        continue;
      }
      if (p[i + 1] == ':' && std::isalpha(static_cast<unsigned char>(p[i + 2]))) {  // alone: [:letter:]
        size_t end = p.find(":]", i);
        out += translate("[" + p.substr(i, end + 2 - i) + "]");  // as the only member of a class
        i = end + 2;
        continue;
      }
      out += '[';
      ++i;
      if (p[i] == '^') {
        out += '^';
        ++i;
      }
      while (p[i] != ']') {
        if (p[i] == '[' && p[i + 1] == ':' && std::isalpha(static_cast<unsigned char>(p[i + 2]))) {
          size_t end = p.find(":]", i);
          std::string cls = p.substr(i + 2, end - i - 2);
          out += cls == "letter" ? "\\p{L}" : cls == "digit" ? "\\p{Nd}" : cls == "uppercase" ? "\\p{Lu}" : "";
          if (cls != "letter" && cls != "digit" && cls != "uppercase") {
            throw std::logic_error("PTBLexer class [:" + cls + ":] unsupported");
          }
          i = end + 2;
        } else if (p[i] == '\\') {
          out += hex_escape(read_escape(p, i));
        } else if (p[i] == '-') {
          out += '-';
          ++i;
        } else {
          size_t len = 0;
          char32_t cp = utf8_decode(p, i, &len);
          if (cp < 0x80 && std::isalnum(static_cast<int>(cp))) out += static_cast<char>(cp);
          else out += hex_escape(cp);
          i += len;
        }
      }
      out += ']';
      ++i;
    } else if (c == '.') {
      out += "[^\\n]";
      ++i;
    } else if (std::isalpha(static_cast<unsigned char>(c))) {
      out += '[';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      out += ']';
      ++i;
    } else if (c == '(' || c == ')' || c == '|' || c == '*' || c == '+' || c == '?') {
      out += c;
      ++i;
    } else {  // other literal characters: ' ; , & # @ ! = ...
      size_t len = 0;
      char32_t cp = utf8_decode(p, i, &len);
      out += (cp < 0x80 && std::isdigit(static_cast<int>(cp))) ? std::string(1, static_cast<char>(cp)) : hex_escape(cp);
      i += len;
    }
  }
  return out;
}

// ---- the lexer -------------------------------------------------------------------------------------------------

struct Rule {
  std::unique_ptr<RE2> whole;  // r1 r2, anchored by the caller
  std::unique_ptr<RE2> r1;     // only when there is a trailing context
  std::unique_ptr<RE2> r2;
  Act act;
};

class Lexer {
 public:
  Lexer() : set_(options(), RE2::ANCHOR_START) {
    for (const RuleSpec& s : rule_specs()) {
      Rule r;
      r.act = s.act;
      std::string t1 = translate(s.r1), t2 = std::string(s.r2).empty() ? "" : translate(s.r2);
      r.whole = compile("(?:" + t1 + ")" + (t2.empty() ? "" : "(?:" + t2 + ")"));
      if (!t2.empty()) {
        r.r1 = compile(t1);
        r.r2 = compile(t2);
      }
      std::string error;
      if (set_.Add("(?:" + t1 + ")" + (t2.empty() ? "" : "(?:" + t2 + ")"), &error) < 0) {
        throw std::logic_error("PTBLexer rule does not compile: " + error);
      }
      rules_.push_back(std::move(r));
    }
    if (!set_.Compile()) throw std::logic_error("PTBLexer rule set does not compile");
  }

  // Appends the tokens of text to out.
  void run(std::string_view text, std::vector<std::string>& out) const {
    size_t pos = 0;
    std::vector<int> hits;
    while (pos < text.size()) {
      if (fast_path(text, pos, out)) continue;
      re2::StringPiece rest(text.data() + pos, text.size() - pos);
      hits.clear();
      if (!set_.Match(rest, &hits) && hits.empty()) {  // the set's DFA gave up: try every rule
        for (size_t k = 0; k < rules_.size(); ++k) hits.push_back(static_cast<int>(k));
      }
      // Longest match wins; among equally long ones the earliest rule (JFlex).
      size_t best_len = 0;
      int best = -1;
      std::sort(hits.begin(), hits.end());
      for (int k : hits) {
        re2::StringPiece m;
        if (!rules_[k].whole->Match(rest, 0, rest.size(), RE2::ANCHOR_START, &m, 1)) continue;
        if (m.size() > best_len) {
          best_len = m.size();
          best = k;
        }
      }
      if (best < 0) {  // cannot happen: the last rule takes any character but '\n', and NEWLINE takes '\n'
        size_t len = 0;
        utf8_decode(text, pos, &len);
        pos += len;
        continue;
      }
      const Rule& rule = rules_[best];
      size_t len = best_len;
      if (rule.r1) len = split(rule, rest, best_len);
      std::string_view tok = text.substr(pos, len);
      pos += len - act(rule.act, tok, out);
    }
  }

 private:
  // The two commonest cases without the rule set, with the rules' own result: a run of spaces (only {SPACES}
  // can match there: no rule's first part starts with a space) and an ASCII word followed by a space, a line
  // break or the end. For such a word every rule that matches longer than {WORD} (ABBREV4/{SPACE}, ACRO/{SPACENL})
  // returns the same text; the rules for longer tokens need a character that is not a letter (. ' - / @ $ & +
  // # or a digit) before the space, except cannot, gonna, gotta, lemme, gimme and wanna, left to the rules.
  static bool fast_path(std::string_view text, size_t& pos, std::vector<std::string>& out) {
    if (text[pos] == ' ') {
      while (pos < text.size() && text[pos] == ' ') ++pos;
      return true;
    }
    size_t e = pos;
    while (e < text.size() && ((text[e] | 32) >= 'a' && (text[e] | 32) <= 'z')) ++e;
    if (e == pos || (e < text.size() && text[e] != ' ' && text[e] != '\n')) return false;
    std::string_view w = text.substr(pos, e - pos);
    if (w.size() == 5 || w.size() == 6) {
      std::string lower(w);
      for (char& c : lower) c = static_cast<char>(c | 32);
      for (const char* special : {"cannot", "gonna", "gotta", "lemme", "gimme", "wanna"}) {
        if (lower == special) return false;
      }
    }
    out.emplace_back(w);
    pos = e;
    return true;
  }

  static RE2::Options options() {
    RE2::Options o;
    o.set_longest_match(true);
    o.set_log_errors(false);
    o.set_dot_nl(false);
    o.set_max_mem(64 << 20);
    return o;
  }

  static std::unique_ptr<RE2> compile(const std::string& pattern) {
    auto re = std::make_unique<RE2>(pattern, options());
    if (!re->ok()) throw std::logic_error("PTBLexer rule does not compile: " + re->error());
    return re;
  }

  // The length of the r1 part of a trailing-context match of length total: the longest r1 whose rest r2 matches.
  static size_t split(const Rule& rule, re2::StringPiece text, size_t total) {
    for (size_t k = total; k > 0; --k) {
      if (k < total && (static_cast<unsigned char>(text[k]) & 0xC0) == 0x80) continue;  // inside a code point
      re2::StringPiece a(text.data(), k), b(text.data() + k, total - k);
      if (RE2::FullMatch(b, *rule.r2) && RE2::FullMatch(a, *rule.r1)) return k;
    }
    return total;
  }

  // Emits the token for a rule's text; returns how many bytes of it are read again (pushed back).
  static size_t act(Act a, std::string_view t, std::vector<std::string>& out) {
    std::string s(t);
    switch (a) {
      case Act::Plain: out.push_back(s); return 0;
      case Act::Skip: return 0;
      case Act::Newline: out.push_back("*NL*"); return 0;
      case Act::PushBack2: out.push_back(s.substr(0, s.size() - 2)); return 2;
      case Act::PushBack3: out.push_back(s.substr(0, s.size() - 3)); return 3;
      case Act::SpaceToNbsp: out.push_back(replace_all(s, " ", "\u00A0")); return 0;
      case Act::SoftHyphens: {
        std::string r = replace_all(s, "\u00AD", "");
        out.push_back(r.empty() ? "-" : r);
        return 0;
      }
      case Act::MDash: out.push_back("--"); return 0;
      case Act::Amp: out.push_back(amp(s)); return 0;
      case Act::QuoteRight: out.push_back(quotes(s, false)); return 0;
      case Act::QuoteLeft: out.push_back(quotes(s, true)); return 0;
      case Act::Currency:
        s = replace_all(s, "\u00A2", "cents");
        s = replace_all(s, "\u00A3", "#");
        for (const char* c : {"\u0080", "\u00A4", "\u20A0", "\u20AC"}) s = replace_all(s, c, "$");
        out.push_back(s);
        return 0;
      case Act::Fraction:
        s = replace_all(s, "\u00BC", "1/4");
        s = replace_all(s, "\u00BD", "1/2");
        s = replace_all(s, "\u00BE", "3/4");
        s = replace_all(s, "\u2153", "1/3");
        s = replace_all(s, "\u2154", "2/3");
        out.push_back(s);
        return 0;
      case Act::Acronym:
        if (code_points(s) == 2) {  // "I." and the like: the letter now, the period next
          out.push_back(s.substr(0, 1));
          return 1;
        }
        out.push_back(s);  // the acronym with its period, and the period again as the sentence end
        return 1;
      case Act::AbbrevPeriod: out.push_back(s); return 1;
      case Act::Phone:
        s = replace_all(s, " ", "\u00A0");
        s = replace_all(s, "(", "-LRB-");
        out.push_back(replace_all(s, ")", "-RRB-"));
        return 0;
      case Act::Smiley:
        s = replace_all(s, "(", "-LRB-");
        out.push_back(replace_all(s, ")", "-RRB-"));
        return 0;
      case Act::Less: out.push_back("<"); return 0;
      case Act::Greater: out.push_back(">"); return 0;
      case Act::LCB: out.push_back("-LCB-"); return 0;
      case Act::RCB: out.push_back("-RCB-"); return 0;
      case Act::LSB: out.push_back("-LSB-"); return 0;
      case Act::RSB: out.push_back("-RSB-"); return 0;
      case Act::LRB: out.push_back("-LRB-"); return 0;
      case Act::RRB: out.push_back("-RRB-"); return 0;
      case Act::Hyphens: out.push_back(s.size() >= 3 && s.size() <= 4 ? "--" : s); return 0;
      case Act::Ellipsis: out.push_back("..."); return 0;
    }
    return 0;
  }

  static std::string amp(const std::string& s) {
    static const RE2 re("(?i:&amp;)");
    std::string r = s;
    RE2::GlobalReplace(&r, re, "&");
    return r;
  }

  // handleQuotes with latexQuotes (PTBLexer's default).
  static std::string quotes(const std::string& s, bool probably_left) {
    std::string r = s;
    r = replace_all(r, "&apos;", probably_left ? "`" : "'");
    r = replace_all(r, "&quot;", probably_left ? "``" : "''");
    std::string out;
    for (size_t i = 0, len = 0; i < r.size(); i += len) {
      char32_t cp = utf8_decode(r, i, &len);
      if (cp == '\'') out += probably_left ? "`" : "'";
      else if (cp == '"') out += probably_left ? "``" : "''";
      else if (cp == 0x91 || cp == 0x2018 || cp == 0x201B || cp == 0x2039) out += "`";
      else if (cp == 0x92 || cp == 0x2019 || cp == 0x203A) out += "'";
      else if (cp == 0x93 || cp == 0x201C || cp == 0xAB) out += "``";
      else if (cp == 0x94 || cp == 0x201D || cp == 0xBB) out += "''";
      else out.append(r, i, len);
    }
    return out;
  }

  std::vector<Rule> rules_;
  RE2::Set set_;
};

const Lexer& lexer() {
  static const Lexer l;
  return l;
}

bool is_other_newline(char32_t cp) {
  return cp == '\r' || cp == 0x0B || cp == 0x0C || cp == 0x85 || cp == 0x2028 || cp == 0x2029;
}

}  // namespace

std::vector<std::string> ptb_tokens(std::string_view text) {
  std::vector<std::string> out;
  lexer().run(text, out);
  return out;
}

std::string java_lowercase(std::string_view text) {
  static locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
  std::string out;
  out.reserve(text.size());
  bool prev_letter = false;
  for (size_t i = 0, len = 0; i < text.size(); i += len) {
    char32_t cp = utf8_decode(text, i, &len);
    if (cp < 0x80) {
      out += static_cast<char>(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
      prev_letter = (cp | 32) >= 'a' && (cp | 32) <= 'z';
      continue;
    }
    if (cp == 0x130) {
      out += "i\u0307";
    } else if (cp == 0x3A3) {
      size_t nlen = 0;
      bool next_letter = i + len < text.size() && loc && iswalpha_l(static_cast<wint_t>(utf8_decode(text, i + len, &nlen)), loc);
      utf8_append(prev_letter && !next_letter ? 0x3C2 : 0x3C3, out);
    } else {
      utf8_append(loc ? static_cast<char32_t>(towlower_l(static_cast<wint_t>(cp), loc)) : cp, out);
    }
    prev_letter = loc && iswalpha_l(static_cast<wint_t>(cp), loc);
  }
  return out;
}

std::vector<std::string> ptb_tokenize_lines(const std::vector<std::string>& lines) {
  std::string text;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i) text += '\n';
    // Line breaks other than '\n' would start new output lines (see the header): read them as spaces.
    const std::string& l = lines[i];
    for (size_t k = 0, len = 0; k < l.size(); k += len) {
      char32_t cp = utf8_decode(l, k, &len);
      if (cp == '\n' || is_other_newline(cp)) text += ' ';
      else text.append(l, k, len);
    }
  }
  std::vector<std::string> out(1);
  bool begin = true;
  for (const std::string& tok : ptb_tokens(text)) {
    if (tok == "*NL*") {
      out.emplace_back();
      begin = true;
      continue;
    }
    if (!begin) out.back() += ' ';
    begin = false;
    out.back() += java_lowercase(tok);
  }
  out.resize(lines.size());  // no lines in, no lines out; an empty last line is still a line
  return out;
}

bool coco_punctuation(std::string_view t) {
  static const char* const kPunct[] = {"''", "'", "``", "`", "-LRB-", "-RRB-", "-LCB-", "-RCB-", ".",
                                       "?",  "!", ",",  ":", "-",     "--",    "...",   ";"};
  for (const char* p : kPunct) {
    if (t == p) return true;
  }
  return false;
}

std::vector<std::string> coco_tokenize(const std::vector<std::string>& captions) {
  std::vector<std::string> lines = ptb_tokenize_lines(captions);
  for (std::string& line : lines) {
    // The toolkit: ' '.join(w for w in line.rstrip().split(' ') if w not in PUNCTUATIONS). PTBTokenizer's lines
    // have no spaces at either end, so rstrip() has nothing to do.
    std::string kept;
    bool first = true;
    size_t start = 0;
    for (;;) {
      size_t end = line.find(' ', start);
      std::string_view w(line.data() + start, (end == std::string::npos ? line.size() : end) - start);
      if (!coco_punctuation(w)) {
        if (!first) kept += ' ';
        kept.append(w);
        first = false;
      }
      if (end == std::string::npos) break;
      start = end + 1;
    }
    line = std::move(kept);
  }
  return lines;
}

}  // namespace grove::eval
