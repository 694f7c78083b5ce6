// grove-eval: score predictions against ground truth. See man/man1/grove-eval.1.
//   captions: BLEU-1..4, METEOR, ROUGE-L and CIDEr-D as pycocoevalcap 1.2 computes them (lib/eval/captions.h).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "cli/tool.h"
#include "core/error.h"
#include "eval/captions.h"
#include "io/stream.h"

using grove::io::Record;

namespace {

struct Options {
  std::string pred, gt, output = "-", paraphrase, wordnet;
  bool per_item = false, no_meteor = false;
};

// The human table: one line per metric, the toolkit's value and the paper's x100.
std::string table(const grove::eval::CaptionScores& s, size_t count) {
  std::ostringstream out;
  char line[128];
  std::snprintf(line, sizeof line, "%-8s %10s %8s\n", "metric", "score", "x100");
  out << line;
  for (const std::string& n : s.names) {
    std::snprintf(line, sizeof line, "%-8s %10.6f %8.2f\n", n.c_str(), s.corpus.at(n), 100 * s.corpus.at(n));
    out << line;
  }
  out << "(" << count << " items)\n";
  return out.str();
}

Record metrics_record(const std::string& id, const std::map<std::string, double>& values,
                      const std::vector<std::string>& names) {
  Record r;
  r["type"] = "metrics";
  r["id"] = id;
  r["benchmark"] = "captions";
  Record v = Record::object();
  for (const std::string& n : names) v[n] = values.at(n);
  r["values"] = v;
  return r;
}

int run_captions(grove::cli::Tool& tool, const Options& o) {
  // Ground truth: the caption of every sample record; several records with one id give several references.
  std::vector<std::string> gt_order;
  std::unordered_map<std::string, std::vector<std::string>> refs;
  {
    grove::io::StreamReader in(o.gt);
    Record r;
    while (in.next(r)) {
      if (grove::io::record_type(r) != "sample") continue;
      std::string id = grove::io::record_id(r);
      auto cap = r.find("caption");
      if (id.empty() || cap == r.end() || !cap->is_string()) {
        throw grove::Error(o.gt, "sample record " + (id.empty() ? std::string("without an id") : "\"" + id + "\"") +
                                     ": needs a string field \"caption\"");
      }
      auto [it, fresh] = refs.emplace(id, std::vector<std::string>{});
      if (fresh) gt_order.push_back(id);
      it->second.push_back(cap->get<std::string>());
    }
  }

  std::string paraphrase = o.paraphrase;
  if (paraphrase.empty()) {
    const char* env = std::getenv("GROVE_METEOR_PARAPHRASE");
    if (env) paraphrase = env;
  }
  std::unique_ptr<grove::eval::ParaphraseTable> table_data;
  std::unique_ptr<grove::eval::Meteor> meteor;
  std::vector<std::string> notes;
  if (!o.no_meteor) {
    grove::eval::MeteorConfig config;
    if (!o.wordnet.empty()) config.wordnet_dir = o.wordnet;
    if (!paraphrase.empty()) {
      table_data = grove::eval::ParaphraseTable::load(paraphrase);
      config.paraphrases = table_data.get();
    } else {
      notes.push_back("METEOR without paraphrase table: the score omits paraphrase matches (give METEOR's "
                      "paraphrase-en.gz with --paraphrase or GROVE_METEOR_PARAPHRASE)");
    }
    meteor = std::make_unique<grove::eval::Meteor>(config);
  } else {
    notes.push_back("METEOR not computed (--no-meteor)");
  }

  grove::io::StreamWriter out(o.output, grove::io::make_header("grove-eval"));
  // Predictions: the caption of every prediction record with a ground truth, scored in the ground truth's order
  // (the original evaluates the images of its results, in the order of the ground truth).
  std::unordered_map<std::string, std::string> preds;
  {
    grove::io::StreamReader in(o.pred);
    Record r;
    while (in.next(r)) {
      if (grove::io::record_type(r) != "prediction") continue;
      std::string id = grove::io::record_id(r);
      auto cap = r.find("caption");
      std::string problem;
      if (id.empty()) problem = "prediction record without an id";
      else if (cap == r.end() || !cap->is_string()) problem = "needs a string field \"caption\"";
      else if (preds.count(id)) problem = "a second prediction for this id (the first one is scored)";
      else if (!refs.count(id)) problem = "no sample record with this id in " + o.gt;
      if (!problem.empty()) {
        std::string where = o.pred + (id.empty() ? "" : ": prediction \"" + id + "\"");
        tool.record_failed(where, problem);
        out.write(grove::io::make_error(id, "grove-eval", o.pred, problem));
        continue;
      }
      preds.emplace(id, cap->get<std::string>());
    }
  }
  std::vector<grove::eval::CaptionInput> items;
  for (const std::string& id : gt_order) {
    auto p = preds.find(id);
    if (p == preds.end()) continue;
    items.push_back({id, p->second, refs[id]});
  }
  size_t unpredicted = gt_order.size() - items.size();
  if (unpredicted > 0) {
    notes.push_back(std::to_string(unpredicted) + " ground-truth items have no prediction and are not scored");
    grove::cli::warning(o.gt, notes.back());
  }
  if (items.empty()) throw grove::Error(o.pred, "no prediction has a ground-truth caption: nothing to score");

  int threads = tool.threads() > 0 ? tool.threads() : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  grove::eval::CaptionScores s = grove::eval::score_captions(items, meteor.get(), threads);
  if (o.per_item) {
    for (size_t i = 0; i < items.size(); ++i) out.write(metrics_record(items[i].id, s.per_item[i], s.names));
  }
  Record all = metrics_record("all", s.corpus, s.names);
  all["count"] = items.size();
  if (!notes.empty()) all["notes"] = notes;
  out.write(all);
  out.commit();

  std::string t = table(s, items.size());
  for (const std::string& n : notes) t += "note: " + n + "\n";
  if (o.output == "-") std::cerr << t;
  else std::cout << t;
  tool.summary(std::to_string(items.size()) + " captions scored, " + std::to_string(tool.failures()) + " failed");
  return tool.status();
}

}  // namespace

int main(int argc, char** argv) {
  grove::cli::Tool tool("grove-eval", "Score predictions against ground truth: caption and grounding metrics.");
  CLI::App& app = tool.app();
  app.require_subcommand(1);

  Options o;
  auto* captions = app.add_subcommand(
      "captions", "BLEU-1..4, METEOR, ROUGE-L and CIDEr-D as the COCO caption toolkit (pycocoevalcap 1.2) computes them");
  captions->add_option("--pred", o.pred, "Prediction records (their caption); '-' for stdin")
      ->type_name("FILE")
      ->required();
  captions->add_option("--gt", o.gt, "Ground-truth sample records (their caption; several records of one id are "
                                     "several references)")
      ->type_name("FILE")
      ->required();
  captions->add_flag("--per-item", o.per_item, "Also write one metrics record per item, before the corpus record");
  captions->add_option("--paraphrase", o.paraphrase,
                       "METEOR's paraphrase table (paraphrase-en.gz); default $GROVE_METEOR_PARAPHRASE, else none")
      ->type_name("FILE");
  captions->add_option("--wordnet", o.wordnet, "WordNet 3.0 database directory for METEOR's synonyms (default "
                                               "$WNSEARCHDIR, else /usr/share/wordnet)")
      ->type_name("DIR");
  captions->add_flag("--no-meteor", o.no_meteor, "Skip METEOR (no WordNet needed)");
  grove::cli::Tool::add_output(*captions, o.output, "metrics stream");

  return tool.run(argc, argv, [&]() -> int {
    if (o.pred == "-" && o.gt == "-") throw CLI::ValidationError("--gt", "only one of --pred and --gt can be stdin");
    return run_captions(tool, o);
  });
}
