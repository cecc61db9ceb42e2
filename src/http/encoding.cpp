#include "http/encoding.hpp"

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <vector>

#include <brotli/encode.h>
#include <zlib.h>

#include "http/header.hpp"

namespace snasio::http {

std::string_view coding_name(coding c) noexcept {
  return c == coding::gzip ? "gzip" : c == coding::br ? "br" : "identity";
}

bool compression_policy::compresses_type(std::string_view content_type) const {
  std::string_view type = trim(content_type.substr(0, content_type.find(';')));
  if (iequals(type, "text/event-stream")) return event_streams;
  return std::any_of(types.begin(), types.end(), [&](std::string_view t) {
    if (t.ends_with("/*")) t.remove_suffix(1);  // a family: "text/" begins every text type
    else if (type.size() != t.size()) return false;
    return type.size() >= t.size() && iequals(type.substr(0, t.size()), t);
  });
}

namespace {
// The q-value of one Accept-Encoding member ("gzip;q=0.5" -> 0.5); 1 without one.
double q_value(std::string_view params) {
  for (std::size_t at = 0; at < params.size();) {
    std::size_t end = std::min(params.find(';', at), params.size());
    std::string_view p = trim(params.substr(at, end - at));
    if (p.size() > 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
      // RFC 9110 12.4.2: "0", "1", or "0." with up to three digits.
      double q = p[2] == '1' ? 1.0 : 0.0, scale = 0.1;
      for (std::size_t i = 4; p[2] == '0' && i < p.size() && i < 7 && p[i] >= '0' && p[i] <= '9'; ++i, scale /= 10)
        q += (p[i] - '0') * scale;
      return q;
    }
    at = end + 1;
  }
  return 1.0;
}
}  // namespace

coding choose_coding(std::string_view accept, const compression_policy& p) {
  double q_gzip = -1, q_br = -1, q_any = -1;
  for (std::size_t at = 0; at < accept.size();) {
    std::size_t end = std::min(accept.find(',', at), accept.size());
    std::string_view member = accept.substr(at, end - at);
    std::size_t semi = member.find(';');
    std::string_view name = trim(member.substr(0, semi));
    double q = semi == std::string_view::npos ? 1.0 : q_value(member.substr(semi + 1));
    if (iequals(name, "gzip") || iequals(name, "x-gzip")) q_gzip = q;
    else if (iequals(name, "br")) q_br = q;
    else if (name == "*") q_any = q;
    at = end + 1;
  }
  if (q_gzip < 0) q_gzip = q_any;
  if (q_br < 0) q_br = q_any;
  if (!p.brotli) q_br = -1;
  if (!p.gzip) q_gzip = -1;
  if (q_br > 0 && q_br >= q_gzip) return coding::br;
  if (q_gzip > 0) return coding::gzip;
  return coding::identity;
}

namespace {
// A deflate state of one shape (level, window, hash size), made once and
// reset for each answer of that shape, as nginx's pools spare it: its five
// allocations, each past glibc's per-thread cache, cost more than resetting
// it. Up to four are kept per thread (each at most about 270 KiB): a
// bounded memory, given back to the thread's next answer of that shape.
struct deflate_state {
  int level, window, memory;
  z_stream z{};
  ~deflate_state() { deflateEnd(&z); }
};
constexpr std::size_t deflate_states_kept = 4;
thread_local std::vector<std::unique_ptr<deflate_state>> kept_deflate_states;

class gzip_encoder final : public encoder {
 public:
  gzip_encoder(int quality, std::size_t size_hint) {
    // Deflate's window (up to 32 KiB) and hash table (memLevel) sized to the
    // body when it is known, as nginx does: the state of a 1 KB body is then
    // 16 KiB, not the 256 KiB whose allocation and clearing would cost more
    // than compressing it. The window keeps room for deflate's lookahead (262
    // bytes): a body that fills it would make deflate slide it. +16: a gzip wrapper.
    int window = 15, memory = 8;
    for (; size_hint > 0 && window > 9 && size_hint + 262 < (std::size_t(1) << (window - 1)); --window)
      memory = std::max(1, memory - 1);
    const int level = std::clamp(quality, 1, 9);
    auto& kept = kept_deflate_states;
    auto same = std::find_if(kept.begin(), kept.end(), [&](const auto& d) {
      return d->level == level && d->window == window && d->memory == memory;
    });
    if (same != kept.end()) {
      d_ = std::move(*same);
      kept.erase(same);
    } else {
      d_.reset(new deflate_state{level, window, memory});  // (clang 14 has no parenthesized aggregate init)
      if (deflateInit2(&d_->z, level, Z_DEFLATED, window + 16, memory, Z_DEFAULT_STRATEGY) != Z_OK)
        throw std::bad_alloc();
    }
  }
  ~gzip_encoder() override {
    if (kept_deflate_states.size() < deflate_states_kept && deflateReset(&d_->z) == Z_OK)
      kept_deflate_states.push_back(std::move(d_));
  }
  std::string encode(std::string_view piece, bool last) override {
    z_stream& z = d_->z;
    // Room for half the piece first (what compression is for shrinks that
    // much; the room is then small enough for glibc's per-thread cache), more
    // as deflate needs it.
    std::string out(std::min<std::size_t>(deflateBound(&z, piece.size()), piece.size() / 2 + 64) + 16, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(piece.data()));
    z.avail_in = static_cast<uInt>(piece.size());
    std::size_t written = 0;
    int status;
    do {
      if (written == out.size()) out.resize(out.size() * 2);
      z.next_out = reinterpret_cast<Bytef*>(out.data() + written);
      z.avail_out = static_cast<uInt>(out.size() - written);
      status = deflate(&z, last ? Z_FINISH : Z_SYNC_FLUSH);
      written = out.size() - z.avail_out;
    } while (last ? status == Z_OK : z.avail_out == 0);
    out.resize(written);
    return out;
  }

 private:
  std::unique_ptr<deflate_state> d_;
};

class brotli_encoder final : public encoder {
 public:
  brotli_encoder(int quality, std::size_t size_hint) : s_(BrotliEncoderCreateInstance(nullptr, nullptr, nullptr)) {
    if (!s_) throw std::bad_alloc();
    BrotliEncoderSetParameter(s_, BROTLI_PARAM_QUALITY, static_cast<std::uint32_t>(std::clamp(quality, 0, 11)));
    // A window up to 256 KiB, no larger than a body of known size needs.
    std::uint32_t window = 18;
    while (size_hint > 0 && window > BROTLI_MIN_WINDOW_BITS && size_hint <= (std::size_t(1) << (window - 1))) --window;
    BrotliEncoderSetParameter(s_, BROTLI_PARAM_LGWIN, window);
    if (size_hint > 0) BrotliEncoderSetParameter(s_, BROTLI_PARAM_SIZE_HINT, std::uint32_t(std::min<std::size_t>(size_hint, 1u << 30)));
  }
  ~brotli_encoder() override { BrotliEncoderDestroyInstance(s_); }
  std::string encode(std::string_view piece, bool last) override {
    std::string out;
    std::size_t in_left = piece.size();
    const auto* in = reinterpret_cast<const std::uint8_t*>(piece.data());
    auto op = last ? BROTLI_OPERATION_FINISH : BROTLI_OPERATION_FLUSH;
    do {
      std::size_t out_left = 0;
      if (!BrotliEncoderCompressStream(s_, op, &in_left, &in, &out_left, nullptr, nullptr)) throw std::bad_alloc();
      std::size_t size = 0;
      const std::uint8_t* bytes = BrotliEncoderTakeOutput(s_, &size);
      out.append(reinterpret_cast<const char*>(bytes), size);
    } while (in_left > 0 || BrotliEncoderHasMoreOutput(s_) || (last && !BrotliEncoderIsFinished(s_)));
    return out;
  }

 private:
  BrotliEncoderState* s_;
};
}  // namespace

std::unique_ptr<encoder> make_encoder(coding c, int quality, std::size_t size_hint) {
  if (c == coding::gzip) return std::make_unique<gzip_encoder>(quality, size_hint);
  if (c == coding::br) return std::make_unique<brotli_encoder>(quality, size_hint);
  return nullptr;
}

std::string compress(coding c, int quality, std::string_view body) {
  if (c == coding::gzip) return gzip_encoder(quality, body.size()).encode(body, true);  // no encoder to allocate
  return make_encoder(c, quality, body.size())->encode(body, true);
}

}  // namespace snasio::http
