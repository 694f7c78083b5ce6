// grove-eval: score predictions against ground truth. See man/man1/grove-eval.1.
//   captions: BLEU-1..4, METEOR, ROUGE-L and CIDEr-D as pycocoevalcap 1.2 computes them (lib/eval/captions.h).
//   iground, vidstg, anet, pointing: the grounding protocols of the original's eval_*.py scripts
//   (lib/eval/iground.h, vidstg.h, anet.h, pointing.h).
#include <unistd.h>

#include <cmath>
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
#include "eval/grounding_records.h"
#include "eval/lemmatizer.h"
#include "eval/phrase_embeddings.h"
#include "io/schema.h"
#include "io/stream.h"

using grove::io::Record;

namespace {

struct Options {
  std::string pred, gt, output = "-", paraphrase, wordnet, bert;
  bool per_item = false, no_meteor = false, corrected = false;
  std::string loc_mode = "both";
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

// METEOR as the options ask for it: the paraphrase table of --paraphrase or GROVE_METEOR_PARAPHRASE, WordNet from
// --wordnet; none with --no-meteor. What the reader must know goes to notes.
struct MeteorSetup {
  std::unique_ptr<grove::eval::ParaphraseTable> table;
  std::unique_ptr<grove::eval::Meteor> meteor;
};
MeteorSetup make_meteor(const Options& o, std::vector<std::string>& notes) {
  MeteorSetup m;
  if (o.no_meteor) {
    notes.push_back("METEOR not computed (--no-meteor)");
    return m;
  }
  std::string paraphrase = o.paraphrase;
  if (paraphrase.empty() && std::getenv("GROVE_METEOR_PARAPHRASE")) paraphrase = std::getenv("GROVE_METEOR_PARAPHRASE");
  grove::eval::MeteorConfig config;
  if (!o.wordnet.empty()) config.wordnet_dir = o.wordnet;
  if (!paraphrase.empty()) {
    m.table = grove::eval::ParaphraseTable::load(paraphrase);
    config.paraphrases = m.table.get();
  } else {
    notes.push_back("METEOR without paraphrase table: the score omits paraphrase matches (give METEOR's "
                    "paraphrase-en.gz with --paraphrase or GROVE_METEOR_PARAPHRASE)");
  }
  m.meteor = std::make_unique<grove::eval::Meteor>(config);
  return m;
}

int scoring_threads(const grove::cli::Tool& tool) {
  return tool.threads() > 0 ? tool.threads() : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
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

  std::vector<std::string> notes;
  const MeteorSetup meteor = make_meteor(o, notes);

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

  grove::eval::CaptionScores s = grove::eval::score_captions(items, meteor.meteor.get(), scoring_threads(tool));
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


// ---- the grounding protocols ----------------------------------------------------------------------------------

// Ground truth (sample records, in order) and predictions (by id), read once. A prediction without a sample, or a
// second one for an id, becomes an error record; a sample record that fails its schema check, too.
struct Inputs {
  std::vector<Record> samples;
  std::unordered_map<std::string, Record> predictions;
  size_t prediction_records = 0;  // every prediction record read (the original's "number of predictions")
  size_t unknown = 0;             // predictions of ids the ground truth lacks
};

Inputs read_inputs(grove::cli::Tool& tool, const Options& o, grove::io::StreamWriter& out) {
  Inputs in;
  std::unordered_map<std::string, size_t> ids;
  {
    grove::io::StreamReader r(o.gt);
    Record x;
    while (r.next(x)) {
      if (grove::io::record_type(x) != "sample") continue;
      auto problems = grove::io::validate(x);
      std::string id = grove::io::record_id(x);
      if (!problems.empty() || ids.count(id)) {
        std::string why = problems.empty() ? "a second sample record with this id (the first one is used)" : problems.front();
        tool.record_failed(o.gt + ": sample \"" + id + "\"", why);
        out.write(grove::io::make_error(id, "grove-eval", o.gt, why));
        continue;
      }
      ids.emplace(id, in.samples.size());
      in.samples.push_back(std::move(x));
    }
  }
  grove::io::StreamReader r(o.pred);
  Record x;
  while (r.next(x)) {
    if (grove::io::record_type(x) != "prediction") continue;
    ++in.prediction_records;
    std::string id = grove::io::record_id(x);
    auto problems = grove::io::validate(x);
    std::string why;
    if (!problems.empty()) why = problems.front();
    else if (in.predictions.count(id)) why = "a second prediction for this id (the first one is scored)";
    else if (!ids.count(id)) {
      ++in.unknown;  // the original scores only the ground truth's ids and says nothing of the others
      continue;
    }
    if (!why.empty()) {
      tool.record_failed(o.pred + ": prediction \"" + id + "\"", why);
      out.write(grove::io::make_error(id, "grove-eval", o.pred, why));
      continue;
    }
    in.predictions.emplace(std::move(id), std::move(x));
  }
  return in;
}

const Record* prediction_of(const Inputs& in, const std::string& id) {
  auto it = in.predictions.find(id);
  return it == in.predictions.end() ? nullptr : &it->second;
}

Record values_record(const std::string& id, const std::string& benchmark, const Record& values) {
  Record r;
  r["type"] = "metrics";
  r["id"] = id;
  r["benchmark"] = benchmark;
  r["values"] = values;
  return r;
}

// A JSON number, or null for NaN (0/0 in the original).
Record num(double v) { return std::isnan(v) ? Record(nullptr) : Record(v); }

std::string fmt_row(const std::string& name, double v, bool x100 = true) {
  char line[160];
  if (std::isnan(v)) std::snprintf(line, sizeof line, "%-22s %10s %8s\n", name.c_str(), "nan", "nan");
  else if (x100) std::snprintf(line, sizeof line, "%-22s %10.6f %8.2f\n", name.c_str(), v, 100 * v);
  else std::snprintf(line, sizeof line, "%-22s %10.4f\n", name.c_str(), v);
  return line;
}

void print_table(const Options& o, const std::string& t) {
  if (o.output == "-") std::cerr << t;
  else std::cout << t;
}

std::string mode_name(const Options& o) { return o.corrected ? "corrected" : "as released"; }

// Each ground-truth sample with its prediction, made by MAKE into one protocol's input; a sample that cannot be
// scored becomes an error record and a failure, and the others go on. kept, when given, receives the samples used.
template <class Make>
auto gather(grove::cli::Tool& tool, const Options& o, const Inputs& in, grove::io::StreamWriter& out, Make make,
            std::vector<const Record*>* kept = nullptr) {
  std::vector<decltype(make(std::declval<const Record&>(), nullptr, std::string()))> items;
  for (const Record& s : in.samples) {
    const std::string id = grove::io::record_id(s);
    try {
      items.push_back(make(s, prediction_of(in, id), o.gt + ": " + id));
      if (kept) kept->push_back(&s);
    } catch (const grove::Error& e) {
      tool.record_failed("", e.what());
      out.write(grove::io::make_error(id, "grove-eval", o.gt, e.what()));
    }
  }
  return items;
}

int run_iground(grove::cli::Tool& tool, const Options& o) {
  grove::io::StreamWriter out(o.output, grove::io::make_header("grove-eval"));
  Inputs in = read_inputs(tool, o, out);
  std::vector<const Record*> sample_of;
  auto videos = gather(tool, o, in, out, grove::eval::iground_video, &sample_of);
  grove::eval::IgroundOptions io;
  io.corrected = o.corrected;
  std::vector<std::string> notes;
  // The BERT gate: every distinct phrase of the ground truth and the predictions embedded once, by grove-embed.
  std::string bert = o.bert;
  if (bert.empty() && std::getenv("GROVE_BERT")) bert = std::getenv("GROVE_BERT");
  grove::eval::PhraseEmbeddings embeddings;
  if (!bert.empty()) {
    std::vector<std::string> phrases;
    std::unordered_map<std::string, bool> seen;
    for (const auto& v : videos)
      for (const auto* frames : {&v.gt_labels, &v.pred_labels})
        for (const auto& labels : *frames)
          for (const auto& p : labels)
            if (seen.emplace(p, true).second) phrases.push_back(p);
    grove::eval::EmbedCommand command;
    command.program = grove::eval::find_embed_helper();
    command.bert_dir = bert;
    command.threads = tool.threads();
    command.quiet = grove::cli::quiet();
    embeddings = grove::eval::PhraseEmbeddings::compute(phrases, command);
    io.text_similarity = [&embeddings](const std::string& a, const std::string& b) { return embeddings.cosine(a, b); };
    notes.push_back("Recall with the BERT text gate: " + std::to_string(phrases.size()) +
                    " distinct phrases embedded once each (mean-pooled last hidden state) by " + command.program +
                    " from " + bert);
  } else {
    notes.push_back("Recall without the BERT text gate (IoU only): no --bert folder (or GROVE_BERT) was given, so "
                    "every phrase pair passes the 0.5 text-similarity test");
  }
  const std::string recall_key = bert.empty() ? "Recall_iou_only" : "Recall";
  grove::eval::IgroundScores s = grove::eval::score_iground(videos, io);

  notes.push_back(o.corrected ? "corrected: IoU on real corners, admissible greedy matching, paired mIoU, missing "
                                "videos scored 0, AP -1 left out (grove-eval(1))"
                              : "as released: eval_iground.py's quirks reproduced (grove-eval(1) lists them)");
  // Videos the box metrics skipped are left out of the caption metrics too (the original builds both from the
  // same COCO files); a failed video becomes an error record.
  std::vector<grove::eval::CaptionInput> items;
  std::vector<std::string> skipped;
  for (size_t k = 0; k < s.per_video.size(); ++k) {
    const auto& v = s.per_video[k];
    if (!v.scored) {
      if (videos[k].has_prediction) {
        tool.record_failed(o.pred + ": prediction \"" + v.id + "\"", v.skipped);
        out.write(grove::io::make_error(v.id, "grove-eval", o.pred, v.skipped));
      } else {
        skipped.push_back(v.id);
      }
      continue;
    }
    const Record* p = prediction_of(in, v.id);
    items.push_back({v.id, p ? (*p)["caption"].get<std::string>() : std::string(), {(*sample_of[k])["caption"].get<std::string>()}});
  }
  if (!skipped.empty()) {
    notes.push_back(std::to_string(skipped.size()) + " ground-truth videos have no prediction and are not scored");
    grove::cli::warning(o.gt, notes.back());
  }
  if (in.unknown) notes.push_back(std::to_string(in.unknown) + " predictions have no ground truth and are not scored");

  grove::eval::CaptionScores cs;
  if (!items.empty()) {
    const MeteorSetup meteor = make_meteor(o, notes);
    cs = grove::eval::score_captions(items, meteor.meteor.get(), scoring_threads(tool));
  }

  if (o.per_item) {
    for (const auto& v : s.per_video) {
      if (!v.scored) continue;
      Record vals = Record::object();
      vals["AP50"] = v.ap50;
      vals["mIoU"] = v.miou;
      vals[recall_key] = v.recall;
      vals["true_positives"] = v.true_positives;
      vals["positives"] = v.positives;
      Record r = values_record(v.id, "iground", vals);
      r["count"] = v.frames;
      out.write(r);
    }
  }
  Record vals = Record::object();
  for (const auto& n : cs.names) vals[n] = cs.corpus.at(n);
  vals["AP50"] = s.ap50;
  vals["mIoU"] = s.miou;
  vals[recall_key] = s.recall;
  Record all = values_record("all", "iground", vals);
  all["count"] = s.videos;
  all["notes"] = notes;
  out.write(all);
  out.commit();

  std::string t = "iGround (" + mode_name(o) + "), " + std::to_string(s.videos) + " videos\n";
  char head[160];
  std::snprintf(head, sizeof head, "%-22s %10s %8s\n", "metric", "score", "x100");
  t += head;
  if (cs.corpus.count("METEOR")) t += fmt_row("METEOR", cs.corpus.at("METEOR"));
  if (cs.corpus.count("CIDEr")) t += fmt_row("CIDEr", cs.corpus.at("CIDEr"));
  t += fmt_row("AP50", s.ap50);
  t += fmt_row(bert.empty() ? "Recall (IoU only)" : "Recall", s.recall);
  t += fmt_row("mIoU", s.miou);
  for (const auto& n : cs.names)
    if (n != "METEOR" && n != "CIDEr") t += fmt_row(n, cs.corpus.at(n));
  for (const auto& n : notes) t += "note: " + n + "\n";
  print_table(o, t);
  tool.summary(std::to_string(s.videos) + " videos scored, " + std::to_string(tool.failures()) + " failed");
  return tool.status();
}

int run_vidstg(grove::cli::Tool& tool, const Options& o) {
  grove::io::StreamWriter out(o.output, grove::io::make_header("grove-eval"));
  Inputs in = read_inputs(tool, o, out);
  auto videos = gather(tool, o, in, out, grove::eval::vidstg_video);
  grove::eval::VidstgScores s = grove::eval::score_vidstg(videos, o.corrected);
  size_t scored = 0;
  for (const auto& v : s.per_video) {
    if (!v.scored) {
      tool.record_failed(o.pred + ": \"" + v.id + "\"", v.skipped);
      out.write(grove::io::make_error(v.id, "grove-eval", o.pred, v.skipped));
      continue;
    }
    ++scored;
    if (o.per_item) {
      Record vals = Record::object();
      vals["gt_viou"] = num(v.viou);
      Record r = values_record(v.id, "vidstg", vals);
      r["count"] = v.frames;
      r["qtype"] = v.qtype;
      out.write(r);
    }
  }
  Record vals = Record::object();
  for (const auto& q : s.qtypes)
    for (const auto& [k, x] : s.values[q]) vals[q + "_" + k] = num(x);
  Record all = values_record("all", "vidstg", vals);
  all["count"] = scored;
  all["notes"] = Record::array({o.corrected ? "corrected: frames without a prediction score 0"
                                            : "as released: a video with a missing prediction is an error"});
  out.write(all);
  out.commit();
  std::string t = "VidSTG (" + mode_name(o) + "), " + std::to_string(scored) + " videos\n";
  char line[160];
  std::snprintf(line, sizeof line, "%-16s %8s %10s %12s %12s\n", "qtype", "videos", "msIoU", "gt_viou@0.3", "gt_viou@0.5");
  t += line;
  for (const auto& q : s.qtypes) {
    auto& m = s.values[q];
    std::snprintf(line, sizeof line, "%-16s %8zu %10.2f %12.4f %12.4f\n", q.c_str(), s.counts[q], 100 * m["gt_viou"],
                  m["gt_viou@0.3"], m["gt_viou@0.5"]);
    t += line;
  }
  print_table(o, t);
  tool.summary(std::to_string(scored) + " videos scored, " + std::to_string(tool.failures()) + " failed");
  return tool.status();
}

int run_anet(grove::cli::Tool& tool, const Options& o) {
  grove::io::StreamWriter out(o.output, grove::io::make_header("grove-eval"));
  Inputs in = read_inputs(tool, o, out);
  auto segments = gather(tool, o, in, out, grove::eval::anet_segment);
  grove::eval::Lemmatizer lemmatizer(o.wordnet.empty() ? grove::eval::WordNet::default_dir() : o.wordnet);
  std::vector<std::string> modes;
  if (o.loc_mode == "all" || o.loc_mode == "both") modes.push_back("all");
  if (o.loc_mode == "loc" || o.loc_mode == "both") modes.push_back("loc");
  Record vals = Record::object();
  std::string t = "ActivityNet-Entities (" + mode_name(o) + "), " + std::to_string(segments.size()) + " segments\n";
  char line[200];
  std::snprintf(line, sizeof line, "%-5s %10s %10s %10s %14s %14s %14s\n", "mode", "P", "R", "F1", "P_per_sent",
                "R_per_sent", "F1_per_sent");
  t += line;
  size_t vocabulary = 0;
  for (const std::string& m : modes) {
    grove::eval::AnetOptions ao;
    ao.loc = m == "loc";
    ao.corrected = o.corrected;
    ao.predicted_segments = in.prediction_records;
    ao.lemma = [&](const std::string& w) { return lemmatizer.lemma(w); };
    grove::eval::AnetScores s = grove::eval::score_anet(segments, ao);
    vocabulary = s.vocabulary;
    vals["precision_" + m] = num(s.precision);
    vals["recall_" + m] = num(s.recall);
    vals["F1_" + m] = num(s.f1);
    vals["precision_" + m + "_per_sent"] = num(s.precision_per_sent);
    vals["recall_" + m + "_per_sent"] = num(s.recall_per_sent);
    vals["F1_" + m + "_per_sent"] = num(s.f1_per_sent);
    if (o.per_item) {
      for (const auto& seg : s.per_segment) {
        if (!seg.scored) continue;
        Record v = Record::object();
        v["precision_" + m] = seg.precision;
        v["recall_" + m] = seg.recall;
        v["F1_" + m] = seg.f1;
        out.write(values_record(seg.id, "anet", v));
      }
    }
    std::snprintf(line, sizeof line, "%-5s %10.2f %10.2f %10.2f %14.2f %14.2f %14.2f\n", m.c_str(), 100 * s.precision,
                  100 * s.recall, 100 * s.f1, 100 * s.precision_per_sent, 100 * s.recall_per_sent, 100 * s.f1_per_sent);
    t += line;
  }
  Record all = values_record("all", "anet", vals);
  all["count"] = segments.size();
  all["notes"] = Record::array({"lemmas from WordNet's morphy, not CoreNLP 4.5.7 (grove-eval(1))",
                                o.corrected ? "corrected: per-sentence values averaged over the sentences scored"
                                            : "as released: per-sentence sums divided by the predicted segments minus those without labels"});
  out.write(all);
  out.commit();
  t += "(" + std::to_string(vocabulary) + " classes; " + std::to_string(in.prediction_records) + " predicted segments)\n";
  print_table(o, t);
  tool.summary(std::to_string(segments.size()) + " segments scored, " + std::to_string(tool.failures()) + " failed");
  return tool.status();
}

int run_pointing(grove::cli::Tool& tool, const Options& o) {
  grove::io::StreamWriter out(o.output, grove::io::make_header("grove-eval"));
  Inputs in = read_inputs(tool, o, out);
  auto clips = gather(tool, o, in, out, grove::eval::pointing_clip);
  grove::eval::PointingScores s = grove::eval::score_pointing(clips);
  size_t missing = 0;
  for (const auto& c : clips) missing += !c.has_prediction;
  if (o.per_item) {
    for (const auto& c : s.per_clip) {
      Record v = Record::object();
      v["correct"] = c.correct;
      v["valid"] = c.valid;
      out.write(values_record(c.id, "pointing", v));
    }
  }
  Record vals = Record::object();
  vals["accuracy"] = s.accuracy;
  vals["correct"] = s.correct;
  vals["valid"] = s.valid;
  Record all = values_record("all", "pointing", vals);
  all["count"] = clips.size();
  if (missing) all["notes"] = Record::array({std::to_string(missing) + " clips without a prediction count as wrong"});
  out.write(all);
  out.commit();
  char line[200];
  std::snprintf(line, sizeof line, "Localization Accuracy: %.2f%% (%ld of %ld annotated seconds, %zu clips)\n", s.accuracy,
                s.correct, s.valid, clips.size());
  print_table(o, line);
  tool.summary(std::to_string(clips.size()) + " clips scored, " + std::to_string(tool.failures()) + " failed");
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

  auto* iground = app.add_subcommand(
      "iground", "iGround's per-video AP50, mIoU, Recall and caption metrics, as eval_iground.py computes them");
  auto* vidstg = app.add_subcommand("vidstg", "VidSTG msIoU (gt_viou) per sentence type, as eval_vidstg.py computes it");
  auto* anet = app.add_subcommand("anet", "ActivityNet-Entities F1_all, F1_loc and their per-sentence values, as eval_anet.py computes them");
  auto* pointing = app.add_subcommand(
      "pointing", "YouCook-Interactions / GroundingYouTube pointing-game accuracy, as eval_youcookinteractions.py computes it");
  for (auto* verb : {iground, vidstg, anet, pointing}) {
    verb->add_option("--pred", o.pred, "Prediction records; '-' for stdin")->type_name("FILE")->required();
    verb->add_option("--gt", o.gt, "Ground-truth sample records (grove-convert import-*)")->type_name("FILE")->required();
    verb->add_flag("--per-item", o.per_item, "Also write one metrics record per video (segment, clip) before the total");
    verb->add_flag("--corrected", o.corrected, "Fix the released script's quirks (grove-eval(1) lists each difference)");
    grove::cli::Tool::add_output(*verb, o.output, "metrics stream");
  }
  iground->add_option("--paraphrase", o.paraphrase, "METEOR's paraphrase table (as for captions)")->type_name("FILE");
  iground->add_option("--wordnet", o.wordnet, "WordNet 3.0 directory for METEOR (as for captions)")->type_name("DIR");
  iground->add_flag("--no-meteor", o.no_meteor, "Skip METEOR");
  iground->add_option("--bert", o.bert, "Hugging Face bert-base-uncased folder for Recall's phrase-similarity gate, "
                                        "run by grove-embed (default $GROVE_BERT; none: Recall is IoU only)")
      ->type_name("DIR");
  anet->add_option("--wordnet", o.wordnet, "WordNet 3.0 directory for the lemmatizer (default $WNSEARCHDIR, else "
                                           "/usr/share/wordnet)")->type_name("DIR");
  anet->add_option("--loc-mode", o.loc_mode, "all, loc, or both (default: both, as eval_anet.sh runs it twice)")
      ->check(CLI::IsMember({"all", "loc", "both"}))
      ->type_name("MODE");

  return tool.run(argc, argv, [&]() -> int {
    if (o.pred == "-" && o.gt == "-") throw CLI::ValidationError("--gt", "only one of --pred and --gt can be stdin");
    if (*iground) return run_iground(tool, o);
    if (*vidstg) return run_vidstg(tool, o);
    if (*anet) return run_anet(tool, o);
    if (*pointing) return run_pointing(tool, o);
    return run_captions(tool, o);
  });
}
