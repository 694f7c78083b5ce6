// Pictures of predictions (grove-render): frames with each box drawn in its phrase's colour under a label, a
// contact sheet of such frames under the clip's caption with its phrases in their colours, as PNG. Drawing is
// Cairo's; text uses the DejaVu Sans face through fontconfig.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace grove::render {

using Colour = std::array<uint8_t, 3>;

// The colour of phrase K of a clip: ten distinct colours (Matplotlib's tab10), then round again.
Colour phrase_colour(size_t k);

struct LabelledBox {
  double x1 = 0, y1 = 0, x2 = 0, y2 = 0;  // pixels of the frame
  std::string label;
  Colour colour{};
  bool dashed = false;  // ground truth is drawn dashed
};

struct Frame {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;  // height rows of width RGB triplets
};

// FRAME with the boxes drawn on it, labels above (inside when there is no room), scaled by SCALE first.
Frame draw_boxes(const Frame& frame, const std::vector<LabelledBox>& boxes, double scale = 1.0);

// A text span of a caption, in a colour (phrases) or the default ink.
struct Span {
  std::string text;
  bool coloured = false;
  Colour colour{};
};

// The spans of a tagged caption ("<p> a man </p> cuts ..."): phrase K gets phrase_colour(K), in order.
std::vector<Span> caption_spans(const std::string& tagged);

// Writes PATH as a PNG (through a temporary name): FRAMES (all one size) in rows of COLUMNS, each titled by the
// matching entry of TITLES, under the word-wrapped CAPTION and a HEADING line. Throws grove::Error naming PATH.
void write_contact_sheet(const std::string& path, const std::vector<Frame>& frames,
                         const std::vector<std::string>& titles, const std::string& heading,
                         const std::vector<Span>& caption, int columns);

// Frees the font caches Cairo and fontconfig keep for the process (a tool calls it once, at exit, so that leak
// checkers see nothing left).
void release_fonts();

}  // namespace grove::render
