// grove-render: pictures of predictions — each clip's frames with its boxes and phrase labels in per-phrase colours,
// as a PNG contact sheet under the caption, and as an MP4 or GIF. See man/man1/grove-render.1.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "cli/progress.h"
#include "cli/tool.h"
#include "core/error.h"
#include "eval/grounding_records.h"
#include "io/stream.h"
#include "render/overlay.h"
#include "video/decoder.h"
#include "video/encoder.h"
#include "video/sampling.h"

namespace fs = std::filesystem;
using grove::Error;
using grove::io::Record;
namespace render = grove::render;

namespace {

struct Options {
  std::string input = "-", output_dir, video_dir, gt;
  std::vector<std::string> formats{"png", "mp4"};
  int columns = 4, sheet_frames = 8;
  double fps = 5, scale = 1;
};

// The ground truth of a sample record: native frame index -> (phrase, box) pairs, a frame's boxes and labels
// paired by position (as the benchmarks pair them).
using Truth = std::map<int64_t, std::vector<std::pair<std::string, grove::eval::Box>>>;

Truth truth_of(const Record& s, const std::string& where) {
  Truth out;
  const auto frames = grove::video::sample_frame_indices(s);
  const auto boxes = grove::eval::boxes_per_frame(s.at("bboxes"), where);
  const auto labels = grove::eval::labels_per_frame(s.at("labels"), false, where);
  for (size_t f = 0; f < frames.size() && f < boxes.size() && f < labels.size(); ++f)
    for (size_t j = 0; j < boxes[f].size() && j < labels[f].size(); ++j) out[frames[f]].push_back({labels[f][j], boxes[f][j]});
  return out;
}

std::string video_path(const Record& p, const Options& o) {
  const std::string source = p.value("source", std::string());
  if (source.empty()) throw Error(p.value("id", std::string("?")), "the prediction names no source video");
  if (o.video_dir.empty() || fs::exists(source)) return source;
  return (fs::path(o.video_dir) / fs::path(source).filename()).string();
}

std::string file_stem(std::string id) {
  std::replace(id.begin(), id.end(), '/', '_');
  return id.empty() ? "clip" : id;
}

// Renders one prediction; returns the files written.
std::vector<std::string> render_clip(const Record& p, const Options& o, const std::map<std::string, Truth>& truths) {
  const std::string id = p.at("id").get<std::string>();
  const auto indices = p.at("frame_indices").get<std::vector<int64_t>>();
  const auto boxes = grove::eval::boxes_per_frame(p.at("boxes"), id);
  const auto labels = grove::eval::labels_per_frame(p.at("labels"), false, id);
  if (indices.empty()) throw Error(id, "the prediction has no frames");
  if (boxes.size() != indices.size() || labels.size() != indices.size())
    throw Error(id, "frame_indices, boxes and labels differ in length");
  const auto phrases = p.value("phrases", std::vector<std::string>());
  std::map<std::string, render::Colour> colour;
  for (size_t k = 0; k < phrases.size(); ++k) colour.emplace(phrases[k], render::phrase_colour(k));
  auto colour_of = [&](const std::string& label) {
    auto c = colour.find(label);
    return c == colour.end() ? render::Colour{160, 160, 160} : c->second;
  };
  const Truth* truth = nullptr;
  if (auto t = truths.find(id); t != truths.end()) truth = &t->second;

  // Decode each frame once, in ascending order.
  std::vector<int64_t> wanted(indices);
  std::sort(wanted.begin(), wanted.end());
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  const std::string path = video_path(p, o);
  grove::video::VideoDecoder decoder(path);
  std::map<int64_t, render::Frame> decoded;
  for (auto& f : decoder.read(wanted)) decoded[f.index] = {f.width, f.height, std::move(f.rgb)};

  std::vector<render::Frame> drawn;
  for (size_t i = 0; i < indices.size(); ++i) {
    std::vector<render::LabelledBox> marks;
    if (truth)
      if (auto t = truth->find(indices[i]); t != truth->end())
        for (const auto& [label, b] : t->second) marks.push_back({b[0], b[1], b[2], b[3], "", colour_of(label), true});
    if (labels[i].size() != boxes[i].size())
      throw Error(id, "frame " + std::to_string(indices[i]) + " has " + std::to_string(boxes[i].size()) + " boxes but " +
                          std::to_string(labels[i].size()) + " labels");
    for (size_t j = 0; j < boxes[i].size(); ++j) {
      const auto& b = boxes[i][j];
      marks.push_back({b[0], b[1], b[2], b[3], labels[i][j], colour_of(labels[i][j]), false});
    }
    drawn.push_back(render::draw_boxes(decoded.at(indices[i]), marks, o.scale));
  }

  std::vector<std::string> written;
  const fs::path base = fs::path(o.output_dir) / file_stem(id);
  const double video_fps = decoder.info().fps;
  for (const auto& format : o.formats) {
    if (format == "png") {
      std::vector<render::Frame> sheet;
      std::vector<std::string> titles;
      const size_t n = drawn.size(), k = std::min<size_t>(n, static_cast<size_t>(o.sheet_frames));
      for (size_t s = 0; s < k; ++s) {
        const size_t i = k == 1 ? 0 : s * (n - 1) / (k - 1);  // evenly spaced, first and last included
        sheet.push_back(drawn[i]);
        char title[64];
        if (video_fps > 0)
          std::snprintf(title, sizeof title, "frame %lld  %.1f s", static_cast<long long>(indices[i]),
                        indices[i] / video_fps);
        else
          std::snprintf(title, sizeof title, "frame %lld", static_cast<long long>(indices[i]));
        titles.push_back(title);
      }
      std::string tagged = p.value("tagged_caption", p.value("caption", std::string()));
      for (size_t at; (at = tagged.find("</s>")) != std::string::npos;) tagged.erase(at, 4);  // the original keeps EOS
      const std::string file = base.string() + ".png";
      render::write_contact_sheet(file, sheet, titles, id, render::caption_spans(tagged), o.columns);
      written.push_back(file);
    } else {
      const std::string file = base.string() + "." + format;
      grove::video::VideoEncoder out(file, drawn[0].width, drawn[0].height, o.fps);
      for (const auto& f : drawn) out.write(f.rgb.data());
      out.finish();
      written.push_back(file);
    }
  }
  return written;
}

}  // namespace

int main(int argc, char** argv) {
  grove::cli::Tool tool("grove-render",
                        "Draw predictions: boxes and phrase labels on their frames, as PNG contact sheets and videos.");
  CLI::App& app = tool.app();
  Options o;
  app.add_option("predictions", o.input, "Prediction records (grove-infer's output; '-': stdin)")
      ->type_name("FILE")
      ->default_str("-");
  app.add_option("-o,--output-dir", o.output_dir, "Where the pictures go (ID.png, ID.mp4, ID.gif)")
      ->required()
      ->type_name("DIR");
  app.add_option("--format", o.formats, "What to write per clip: png (contact sheet), mp4, gif")
      ->check(CLI::IsMember({"png", "mp4", "gif"}))
      ->default_str("png mp4");
  app.add_option("--video-dir", o.video_dir, "Find each source video here by its file name when its path is gone")
      ->type_name("DIR");
  app.add_option("--gt", o.gt, "Sample records: also draw their boxes, dashed, in the colour of the same phrase")
      ->type_name("FILE");
  app.add_option("--columns", o.columns, "Frames per row of a contact sheet")->default_val(4)->check(CLI::PositiveNumber);
  app.add_option("--sheet-frames", o.sheet_frames, "Frames on a contact sheet, evenly spaced")
      ->default_val(8)
      ->check(CLI::PositiveNumber);
  app.add_option("--fps", o.fps, "Frame rate of the videos (the frames are the 5 fps grid)")
      ->default_val(5)
      ->check(CLI::PositiveNumber);
  app.add_option("--scale", o.scale, "Scale the frames by this factor")->default_val(1)->check(CLI::Range(0.05, 8.0));
  const int status = tool.run(argc, argv, [&]() -> int {
    std::map<std::string, Truth> truths;
    if (!o.gt.empty()) {
      grove::io::StreamReader gt(o.gt);
      Record r;
      while (gt.next(r))
        if (grove::io::record_type(r) == "sample") {
          try {
            truths[r.at("id").get<std::string>()] = truth_of(r, o.gt);
          } catch (const nlohmann::json::exception& e) {
            throw Error(o.gt, "a malformed sample record: " + std::string(e.what()));
          }
        }
    }
    fs::create_directories(o.output_dir);
    grove::io::StreamReader in(o.input);
    grove::cli::Progress progress("rendering", 0, "clips");
    size_t clips = 0, files = 0;
    Record r;
    while (in.next(r)) {
      if (grove::io::record_type(r) != "prediction") continue;
      const std::string id = r.value("id", std::string());
      try {
        files += render_clip(r, o, truths).size();
        ++clips;
      } catch (const Error& e) {
        tool.record_failed(id, e.where() == id ? e.message() : std::string(e.what()));  // "ID: FILE: what"
      } catch (const nlohmann::json::exception& e) {
        tool.record_failed(in.name(), id + ": a malformed prediction record: " + e.what());
      }
      progress.add();
    }
    progress.finish();
    tool.summary(std::to_string(clips) + " clips drawn (" + std::to_string(files) + " files) in " + o.output_dir);
    return tool.status();
  });
  render::release_fonts();
  return status;
}
