#include "render/overlay.h"

#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <memory>

#include "core/error.h"
#include "core/strings.h"

namespace grove::render {

namespace {

using Surface = std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)>;
using Context = std::unique_ptr<cairo_t, decltype(&cairo_destroy)>;

Surface make_surface(int w, int h) {
  Surface s(cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h), &cairo_surface_destroy);
  if (cairo_surface_status(s.get()) != CAIRO_STATUS_SUCCESS)
    throw Error("render", "cannot make a " + std::to_string(w) + "x" + std::to_string(h) + " picture");
  return s;
}

Context make_context(cairo_surface_t* s) { return Context(cairo_create(s), &cairo_destroy); }

// Cairo's RGB24 is a native-endian 32-bit xRGB word per pixel.
Surface from_frame(const Frame& f) {
  if (f.width <= 0 || f.height <= 0 || f.rgb.size() != static_cast<size_t>(f.width) * f.height * 3)
    throw Error("render", "a frame whose pixels do not match its size");
  Surface s = make_surface(f.width, f.height);
  cairo_surface_flush(s.get());
  unsigned char* data = cairo_image_surface_get_data(s.get());
  const int stride = cairo_image_surface_get_stride(s.get());
  for (int y = 0; y < f.height; ++y) {
    auto* row = reinterpret_cast<uint32_t*>(data + static_cast<size_t>(y) * stride);
    const uint8_t* src = f.rgb.data() + static_cast<size_t>(y) * f.width * 3;
    for (int x = 0; x < f.width; ++x)
      row[x] = (uint32_t{src[3 * x]} << 16) | (uint32_t{src[3 * x + 1]} << 8) | src[3 * x + 2];
  }
  cairo_surface_mark_dirty(s.get());
  return s;
}

Frame to_frame(cairo_surface_t* s) {
  cairo_surface_flush(s);
  Frame f;
  f.width = cairo_image_surface_get_width(s);
  f.height = cairo_image_surface_get_height(s);
  f.rgb.resize(static_cast<size_t>(f.width) * f.height * 3);
  const unsigned char* data = cairo_image_surface_get_data(s);
  const int stride = cairo_image_surface_get_stride(s);
  for (int y = 0; y < f.height; ++y) {
    const auto* row = reinterpret_cast<const uint32_t*>(data + static_cast<size_t>(y) * stride);
    uint8_t* dst = f.rgb.data() + static_cast<size_t>(y) * f.width * 3;
    for (int x = 0; x < f.width; ++x) {
      dst[3 * x] = (row[x] >> 16) & 0xff;
      dst[3 * x + 1] = (row[x] >> 8) & 0xff;
      dst[3 * x + 2] = row[x] & 0xff;
    }
  }
  return f;
}

void set_colour(cairo_t* cr, const Colour& c) { cairo_set_source_rgb(cr, c[0] / 255.0, c[1] / 255.0, c[2] / 255.0); }

void use_font(cairo_t* cr, double size, bool bold = false) {
  cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
}

double text_width(cairo_t* cr, const std::string& s) {
  cairo_text_extents_t e;
  cairo_text_extents(cr, s.c_str(), &e);
  return e.x_advance;
}

// Black or white, whichever reads better on C.
Colour ink_on(const Colour& c) {
  const double luma = 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
  return luma > 150 ? Colour{0, 0, 0} : Colour{255, 255, 255};
}

}  // namespace

Colour phrase_colour(size_t k) {
  static const Colour tab10[] = {{31, 119, 180}, {255, 127, 14}, {44, 160, 44},  {214, 39, 40},   {148, 103, 189},
                                 {140, 86, 75},  {227, 119, 194}, {127, 127, 127}, {188, 189, 34}, {23, 190, 207}};
  return tab10[k % 10];
}

Frame draw_boxes(const Frame& frame, const std::vector<LabelledBox>& boxes, double scale) {
  Surface src = from_frame(frame);
  const int w = std::max(1, static_cast<int>(std::lround(frame.width * scale)));
  const int h = std::max(1, static_cast<int>(std::lround(frame.height * scale)));
  Surface out = make_surface(w, h);
  Context cr = make_context(out.get());
  cairo_save(cr.get());
  cairo_scale(cr.get(), static_cast<double>(w) / frame.width, static_cast<double>(h) / frame.height);
  cairo_set_source_surface(cr.get(), src.get(), 0, 0);
  cairo_pattern_set_filter(cairo_get_source(cr.get()), CAIRO_FILTER_BILINEAR);
  cairo_paint(cr.get());
  cairo_restore(cr.get());

  const double sx = static_cast<double>(w) / frame.width, sy = static_cast<double>(h) / frame.height;
  const double line = std::max(2.0, std::round(h / 120.0)), font = std::max(9.0, h / 22.0);
  use_font(cr.get(), font);
  for (const auto& b : boxes) {
    const double x1 = b.x1 * sx, y1 = b.y1 * sy, x2 = b.x2 * sx, y2 = b.y2 * sy;
    set_colour(cr.get(), b.colour);
    cairo_set_line_width(cr.get(), line);
    if (b.dashed) {
      const double dash[] = {4 * line, 3 * line};
      cairo_set_dash(cr.get(), dash, 2, 0);
    } else {
      cairo_set_dash(cr.get(), nullptr, 0, 0);
    }
    cairo_rectangle(cr.get(), x1, y1, x2 - x1, y2 - y1);
    cairo_stroke(cr.get());
    if (b.label.empty()) continue;
    cairo_font_extents_t fe;
    cairo_font_extents(cr.get(), &fe);
    const double tw = text_width(cr.get(), b.label) + 2 * line, th = fe.ascent + fe.descent + line;
    double ly = y1 - th;
    if (ly < 0) ly = y1;  // no room above: inside the top edge
    const double lx = std::clamp(x1, 0.0, std::max(0.0, w - tw));
    cairo_rectangle(cr.get(), lx, ly, tw, th);
    cairo_fill(cr.get());
    set_colour(cr.get(), ink_on(b.colour));
    cairo_move_to(cr.get(), lx + line, ly + line / 2 + fe.ascent);
    cairo_show_text(cr.get(), b.label.c_str());
  }
  return to_frame(out.get());
}

std::vector<Span> caption_spans(const std::string& tagged) {
  std::vector<Span> out;
  size_t at = 0, phrase = 0;
  while (at < tagged.size()) {
    const size_t open = tagged.find("<p>", at);
    const size_t close = open == std::string::npos ? std::string::npos : tagged.find("</p>", open + 3);
    if (close == std::string::npos) {
      out.push_back({strip(tagged.substr(at)), false, {}});
      break;
    }
    if (open > at) out.push_back({strip(tagged.substr(at, open - at)), false, {}});
    out.push_back({strip(tagged.substr(open + 3, close - open - 3)), true, phrase_colour(phrase++)});
    at = close + 4;
  }
  out.erase(std::remove_if(out.begin(), out.end(), [](const Span& s) { return s.text.empty(); }), out.end());
  return out;
}

void write_contact_sheet(const std::string& path, const std::vector<Frame>& frames,
                         const std::vector<std::string>& titles, const std::string& heading,
                         const std::vector<Span>& caption, int columns) {
  if (frames.empty()) throw Error(path, "no frames to draw");
  columns = std::max(1, std::min<int>(columns, static_cast<int>(frames.size())));
  const int fw = frames[0].width, fh = frames[0].height, margin = 8;
  const int rows = static_cast<int>((frames.size() + columns - 1) / columns);
  const int width = columns * fw + (columns + 1) * margin;
  const double heading_size = 15, caption_size = 14, title_size = 11;

  // Lay the caption out word by word (measured on a scratch surface), wrapping at the sheet's width.
  struct Word {
    std::string text;
    const Span* span;
    double x;
    int line;
  };
  std::vector<Word> words;
  {
    Surface scratch = make_surface(1, 1);
    Context cr = make_context(scratch.get());
    use_font(cr.get(), caption_size);
    const double space = text_width(cr.get(), " "), limit = width - 2 * margin;
    double x = 0;
    int line = 0;
    for (const auto& span : caption) {
      size_t i = 0;
      while (i < span.text.size()) {
        size_t j = span.text.find(' ', i);
        if (j == std::string::npos) j = span.text.size();
        const std::string word = span.text.substr(i, j - i);
        i = j + 1;
        if (word.empty()) continue;
        use_font(cr.get(), caption_size, span.coloured);  // phrases are bold: measure them so
        const double ww = text_width(cr.get(), word);
        if (x > 0 && std::strchr(".,;:!?", word[0])) x -= space;  // "a box ." reads "a box."
        if (x > 0 && x + ww > limit) {
          x = 0;
          ++line;
        }
        words.push_back({word, &span, x, line});
        x += ww + space;
      }
    }
  }
  const int caption_lines = words.empty() ? 0 : words.back().line + 1;
  const double line_height = caption_size * 1.35, title_height = title_size * 1.5;
  const int top = static_cast<int>(margin + heading_size * 1.5 + caption_lines * line_height + margin / 2);
  const int cell = static_cast<int>(fh + title_height + margin);
  const int height = top + rows * cell;

  Surface sheet = make_surface(width, height);
  Context cr = make_context(sheet.get());
  cairo_set_source_rgb(cr.get(), 1, 1, 1);
  cairo_paint(cr.get());
  cairo_set_source_rgb(cr.get(), 0.1, 0.1, 0.1);
  use_font(cr.get(), heading_size, true);
  cairo_move_to(cr.get(), margin, margin + heading_size);
  cairo_show_text(cr.get(), heading.c_str());
  for (const auto& w : words) {
    use_font(cr.get(), caption_size, w.span->coloured);
    if (w.span->coloured)
      set_colour(cr.get(), w.span->colour);
    else
      cairo_set_source_rgb(cr.get(), 0.1, 0.1, 0.1);
    cairo_move_to(cr.get(), margin + w.x, margin + heading_size * 1.5 + (w.line + 1) * line_height - 0.35 * caption_size);
    cairo_show_text(cr.get(), w.text.c_str());
  }
  for (size_t i = 0; i < frames.size(); ++i) {
    if (frames[i].width != fw || frames[i].height != fh) throw Error(path, "frames of different sizes");
    const int col = static_cast<int>(i % columns), row = static_cast<int>(i / columns);
    const double x = margin + col * (fw + margin), y = top + row * cell;
    cairo_set_source_rgb(cr.get(), 0.3, 0.3, 0.3);
    use_font(cr.get(), title_size);
    cairo_move_to(cr.get(), x, y + title_size);
    if (i < titles.size()) cairo_show_text(cr.get(), titles[i].c_str());
    Surface f = from_frame(frames[i]);
    cairo_set_source_surface(cr.get(), f.get(), x, y + title_height);
    cairo_paint(cr.get());
  }
  cairo_surface_flush(sheet.get());
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid()) + ".png";
  if (cairo_surface_write_to_png(sheet.get(), tmp.c_str()) != CAIRO_STATUS_SUCCESS) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    throw Error(path, "cannot write the PNG file");
  }
  std::filesystem::rename(tmp, path);
}

void release_fonts() {
  cairo_debug_reset_static_data();
  FcFini();
}

}  // namespace grove::render
