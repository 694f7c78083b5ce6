#include "video/decoder.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>
}

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include "core/error.h"

namespace grove::video {

namespace {

// FFmpeg prints its own diagnostics on stderr, several lines per bad file. grove keeps stderr to one line per
// problem: FFmpeg's messages are silenced, and the last error it logged on this thread completes grove's message.
thread_local std::string t_last_av_error;

void av_log_to_thread(void* avcl, int level, const char* fmt, va_list vl) {
  if (level > AV_LOG_ERROR) return;
  char line[512];
  int print_prefix = 0;
  av_log_format_line2(avcl, level, fmt, vl, line, sizeof line, &print_prefix);
  std::string s = line;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '.')) s.pop_back();
  if (auto p = s.find("] "); s.rfind("[", 0) == 0 && p != std::string::npos) s = s.substr(p + 2);  // "[mov,...] x"
  if (!s.empty()) t_last_av_error = s;
}

void init_ffmpeg_logging() {
  static std::once_flag once;
  std::call_once(once, [] { av_log_set_callback(av_log_to_thread); });
}

std::string av_error_text(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(err, buf, sizeof buf);
  std::string s = buf;
  if (!t_last_av_error.empty() && t_last_av_error != s) s += " (" + t_last_av_error + ")";
  return s;
}

// Clockwise rotation that makes decoded frames upright, as the ffmpeg CLI's autorotate does.
int display_rotation(const AVStream* st) {
  const uint8_t* m = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, nullptr);
  if (!m) return 0;
  double theta = -av_display_rotation_get(reinterpret_cast<const int32_t*>(m));
  if (std::isnan(theta)) return 0;
  theta -= 360.0 * std::floor(theta / 360.0 + 0.9 / 360.0);
  for (int r : {90, 180, 270}) {
    if (std::fabs(theta - r) < 1.0) return r;
  }
  return 0;
}

void rotate_rgb(const std::vector<uint8_t>& src, int w, int h, int rotation, std::vector<uint8_t>& dst) {
  dst.resize(src.size());
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      int dx, dy, dw;
      if (rotation == 90) { dx = h - 1 - y; dy = x; dw = h; }
      else if (rotation == 180) { dx = w - 1 - x; dy = h - 1 - y; dw = w; }
      else { dx = y; dy = w - 1 - x; dw = h; }  // 270
      std::memcpy(&dst[(static_cast<size_t>(dy) * dw + dx) * 3], &src[(static_cast<size_t>(y) * w + x) * 3], 3);
    }
  }
}

struct PacketInfo {
  int64_t pts;
  bool key;
};

}  // namespace

struct VideoDecoder::Impl {
  std::string path;
  int threads = 1;
  AVFormatContext* fmt = nullptr;
  AVCodecContext* dec = nullptr;
  SwsContext* sws = nullptr;
  std::vector<uint8_t> aligned;  // swscale's destination, reused across frames
  AVPacket* pkt = av_packet_alloc();
  AVFrame* frame = av_frame_alloc();
  int stream = -1;
  VideoInfo info;
  AVRational time_base{1, 1};
  int64_t start_pts = 0;

  // From the packet scan: every frame's pts in presentation order, and which frames are keyframes.
  std::vector<int64_t> frame_pts;
  std::vector<char> frame_key;
  std::unordered_map<int64_t, int64_t> index_of_pts;
  bool can_seek = false;  // every packet had a distinct pts

  int seeks = 0;
  int64_t decoded = 0;

  ~Impl() {
    close();
    av_packet_free(&pkt);
    av_frame_free(&frame);
    sws_freeContext(sws);
  }

  void close() {
    avcodec_free_context(&dec);
    avformat_close_input(&fmt);
  }

  [[noreturn]] void fail(const std::string& what) const { throw Error(path, what); }

  void open() {
    t_last_av_error.clear();
    int err = avformat_open_input(&fmt, path.c_str(), nullptr, nullptr);
    if (err < 0) fail(av_error_text(err));
    if ((err = avformat_find_stream_info(fmt, nullptr)) < 0) fail("cannot read stream info: " + av_error_text(err));
    const AVCodec* codec = nullptr;
    stream = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (stream == AVERROR_STREAM_NOT_FOUND) fail("no video stream");
    if (stream < 0 || !codec) fail("no decoder for its video stream");
    for (unsigned i = 0; i < fmt->nb_streams; ++i) {
      if (static_cast<int>(i) != stream) fmt->streams[i]->discard = AVDISCARD_ALL;
    }
    AVStream* st = fmt->streams[stream];
    dec = avcodec_alloc_context3(codec);
    avcodec_parameters_to_context(dec, st->codecpar);
    dec->thread_count = threads;
    dec->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
    if ((err = avcodec_open2(dec, codec, nullptr)) < 0) fail("cannot open the decoder: " + av_error_text(err));
    time_base = st->time_base;
    AVRational r = av_guess_frame_rate(fmt, st, nullptr);
    info.fps = r.num > 0 && r.den > 0 ? av_q2d(r) : 0;
    info.rotation = display_rotation(st);
    bool swap = info.rotation == 90 || info.rotation == 270;
    info.width = swap ? st->codecpar->height : st->codecpar->width;
    info.height = swap ? st->codecpar->width : st->codecpar->height;
    info.codec = codec->name;
    if (info.width <= 0 || info.height <= 0) fail("video stream has no frame size");
  }

  void scan_packets() {
    std::vector<PacketInfo> packets;
    bool all_pts = true;
    int err;
    while ((err = av_read_frame(fmt, pkt)) >= 0) {
      if (pkt->stream_index == stream) {
        if (pkt->pts == AV_NOPTS_VALUE) all_pts = false;
        packets.push_back({pkt->pts, (pkt->flags & AV_PKT_FLAG_KEY) != 0});
      }
      av_packet_unref(pkt);
    }
    if (err != AVERROR_EOF && packets.empty()) fail("cannot read packets: " + av_error_text(err));
    info.frame_count = static_cast<int64_t>(packets.size());
    if (packets.empty()) fail("the video stream has no frames");
    std::sort(packets.begin(), packets.end(), [](const PacketInfo& a, const PacketInfo& b) { return a.pts < b.pts; });
    can_seek = all_pts;
    for (size_t i = 0; all_pts && i < packets.size(); ++i) {
      if (!index_of_pts.emplace(packets[i].pts, static_cast<int64_t>(i)).second) can_seek = false;  // duplicate pts
      frame_pts.push_back(packets[i].pts);
      frame_key.push_back(packets[i].key);
    }
    AVStream* st = fmt->streams[stream];
    start_pts = st->start_time != AV_NOPTS_VALUE ? st->start_time : (all_pts ? packets.front().pts : 0);
    if (!can_seek) index_of_pts.clear();
  }

  // Converts the decoder's current frame to RGB24 (scaled, rotated).
  DecodedFrame convert(int64_t index, int max_side) {
    const int fw = frame->width, fh = frame->height;
    int ow = fw, oh = fh;
    if (max_side > 0 && std::max(fw, fh) > max_side) {
      double s = static_cast<double>(max_side) / std::max(fw, fh);
      ow = std::max(1, static_cast<int>(std::lround(fw * s)));
      oh = std::max(1, static_cast<int>(std::lround(fh * s)));
    }
    auto src_fmt = static_cast<AVPixelFormat>(frame->format);
    sws = sws_getCachedContext(sws, fw, fh, src_fmt, ow, oh, AV_PIX_FMT_RGB24,
                               ow == fw && oh == fh ? SWS_BICUBIC : SWS_AREA, nullptr, nullptr, nullptr);
    if (!sws) fail("cannot convert pixel format " + std::string(av_get_pix_fmt_name(src_fmt) ?: "?") + " to RGB");
    if (frame->color_range == AVCOL_RANGE_JPEG) {
      int *inv, *tab, src_range, dst_range, b, c, s;
      if (sws_getColorspaceDetails(sws, &inv, &src_range, &tab, &dst_range, &b, &c, &s) >= 0) {
        sws_setColorspaceDetails(sws, inv, 1, tab, dst_range, b, c, s);
      }
    }
    DecodedFrame out;
    out.index = index;
    int64_t pts = frame->best_effort_timestamp;
    // (pts * num) / den rather than pts * (num / den): 700 ms is 0.7, not 0.7000000000000001.
    out.timestamp = pts == AV_NOPTS_VALUE ? index / (info.fps > 0 ? info.fps : 1)
                                          : static_cast<double>((pts - start_pts) * time_base.num) / time_base.den;
    // swscale's vector code writes whole blocks: with a tight, unaligned stride it leaves the last pixels of a row
    // whose width is not a multiple of 16 unwritten. Convert into an aligned, padded buffer, then pack the rows.
    const int stride = FFALIGN(ow * 3, 64) + 64;
    aligned.resize(static_cast<size_t>(stride) * oh + 64);
    uint8_t* base = aligned.data() + (64 - reinterpret_cast<uintptr_t>(aligned.data()) % 64) % 64;
    uint8_t* dst[4] = {base, nullptr, nullptr, nullptr};
    int dst_stride[4] = {stride, 0, 0, 0};
    sws_scale(sws, frame->data, frame->linesize, 0, fh, dst, dst_stride);
    std::vector<uint8_t> rgb(static_cast<size_t>(ow) * oh * 3);
    for (int y = 0; y < oh; ++y) std::memcpy(&rgb[static_cast<size_t>(y) * ow * 3], base + static_cast<size_t>(y) * stride, ow * 3);
    out.width = ow;
    out.height = oh;
    if (info.rotation != 0) {
      rotate_rgb(rgb, ow, oh, info.rotation, out.rgb);
      if (info.rotation != 180) std::swap(out.width, out.height);
    } else {
      out.rgb = std::move(rgb);
    }
    return out;
  }

  // The frame index of the decoder's current frame; 'counter' numbers frames when pts cannot.
  int64_t frame_index(int64_t& counter) {
    if (can_seek) {
      auto it = index_of_pts.find(frame->best_effort_timestamp);
      if (it == index_of_pts.end()) it = index_of_pts.find(frame->pts);
      return it == index_of_pts.end() ? -1 : it->second;
    }
    return counter++;
  }

  void seek_to_frame(int64_t key_index) {
    int err = av_seek_frame(fmt, stream, frame_pts[key_index], AVSEEK_FLAG_BACKWARD);
    if (err < 0) fail("seek failed: " + av_error_text(err));
    avcodec_flush_buffers(dec);
    ++seeks;
  }

  std::vector<DecodedFrame> read(const std::vector<int64_t>& wanted, int max_side) {
    std::vector<DecodedFrame> out;
    seeks = 0;
    decoded = 0;
    if (wanted.empty()) return out;
    for (size_t i = 0; i < wanted.size(); ++i) {
      if (wanted[i] < 0 || (i > 0 && wanted[i] <= wanted[i - 1])) {
        throw std::invalid_argument("VideoDecoder::read: indices must be ascending, unique and non-negative");
      }
    }
    if (wanted.back() >= info.frame_count) {
      fail("frame " + std::to_string(wanted.back()) + " is past the end of the video (" +
           std::to_string(info.frame_count) + " frames)");
    }
    // Reopen so decoding starts at the beginning, whatever was read before.
    close();
    open();
    size_t next = 0;         // next wanted position
    int64_t counter = 0;     // frame numbering when pts cannot be used
    int64_t position = 0;    // one past the highest frame index sent to the decoder (when seeking is possible)
    bool draining = false;
    auto key_before = [&](int64_t idx) {
      while (idx > 0 && !frame_key[idx]) --idx;
      return idx;
    };
    while (next < wanted.size()) {
      if (can_seek && !draining) {
        int64_t key = key_before(wanted[next]);
        if (key > position) {
          // The keyframe before the wanted frame has not been sent yet: jumping to it beats decoding forward.
          seek_to_frame(key);
          position = key;
        }
      }
      int err = 0;
      if (!draining) {
        err = av_read_frame(fmt, pkt);
        if (err == AVERROR_EOF) {
          draining = true;
          avcodec_send_packet(dec, nullptr);
        } else if (err < 0) {
          fail("read error: " + av_error_text(err));
        } else {
          if (pkt->stream_index == stream) {
            if (can_seek) {
              auto it = index_of_pts.find(pkt->pts);
              if (it != index_of_pts.end()) {
                position = std::max(position, it->second + 1);
                // A frame nobody wants that no other frame refers to need not be decoded at all.
                bool want = std::binary_search(wanted.begin(), wanted.end(), it->second);
                dec->skip_frame = want ? AVDISCARD_DEFAULT : AVDISCARD_NONREF;
              }
            }
            avcodec_send_packet(dec, pkt);  // a corrupt packet is skipped; a missing frame is reported below
          }
          av_packet_unref(pkt);
        }
      }
      while ((err = avcodec_receive_frame(dec, frame)) >= 0) {
        ++decoded;
        int64_t idx = frame_index(counter);
        if (next < wanted.size() && idx > wanted[next]) {
          fail("frame " + std::to_string(wanted[next]) + " could not be decoded (corrupt data?)");
        }
        if (next < wanted.size() && idx == wanted[next]) {
          out.push_back(convert(idx, max_side));
          ++next;
        }
        av_frame_unref(frame);
        if (next == wanted.size()) break;
      }
      if (draining) break;  // the decoder has given all it will (EOF, or an error after the last packet)
    }
    if (next < wanted.size()) {
      fail("the video ends before frame " + std::to_string(wanted[next]) + " (" + std::to_string(out.size()) +
           " of " + std::to_string(wanted.size()) + " frames decoded; truncated file?)");
    }
    return out;
  }
};

VideoDecoder::VideoDecoder(const std::string& path, int codec_threads) : impl_(std::make_unique<Impl>()) {
  init_ffmpeg_logging();
  impl_->path = path;
  impl_->threads = codec_threads;
  impl_->open();
  impl_->scan_packets();
}

VideoDecoder::~VideoDecoder() = default;

const VideoInfo& VideoDecoder::info() const { return impl_->info; }

std::vector<DecodedFrame> VideoDecoder::read(const std::vector<int64_t>& indices, int max_side) {
  return impl_->read(indices, max_side);
}

int VideoDecoder::seeks() const { return impl_->seeks; }
int64_t VideoDecoder::frames_decoded() const { return impl_->decoded; }

}  // namespace grove::video
