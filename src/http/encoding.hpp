#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/header.hpp"

namespace snasio::http {

/// A content coding the server can apply to a response body.
enum class coding { identity, gzip, br };

/// The name of a coding as Content-Encoding says it ("gzip", "br").
std::string_view coding_name(coding c) noexcept;

/// How responses are compressed (--compress and its companions; App.compression).
struct compression_policy {
  bool gzip = false;
  bool brotli = false;
  std::size_t min_size = 512;  ///< bodies smaller than this go as they are
  int quality = 5;             ///< gzip 1–9, brotli 0–11 (capped there)
  /// Media types compressed (a trailing "/*" takes a whole family).
  std::vector<std::string> types = {"text/*", "application/json", "application/javascript", "application/xml",
                                    "image/svg+xml", "application/problem+json"};
  bool event_streams = false;  ///< text/event-stream too (each event is flushed)

  bool enabled() const noexcept { return gzip || brotli; }
  /// Whether `content_type` is one of `types` (event streams only when opted in).
  bool compresses_type(std::string_view content_type) const;
};

/// The coding to answer a request's `Accept-Encoding` with, among those the
/// policy enables: the one with the highest q-value (br before gzip on a
/// tie); identity when none is acceptable. A "*" names every coding.
coding choose_coding(std::string_view accept_encoding, const compression_policy& p);

/// Compresses one body or one stream, piece by piece. Each piece given is
/// flushed: what it returns decodes to everything given so far, so a stream
/// still arrives promptly.
class encoder {
 public:
  virtual ~encoder() = default;
  /// The encoded bytes of `piece`, flushed; with `last`, the stream's end too.
  virtual std::string encode(std::string_view piece, bool last) = 0;
};

/// An encoder for `c` (gzip or br) at the policy's quality; with the size
/// of what it will encode (0: unknown, a stream), its state is sized to it.
std::unique_ptr<encoder> make_encoder(coding c, int quality, std::size_t size_hint = 0);

/// `body` compressed whole with `c`.
std::string compress(coding c, int quality, std::string_view body);

}  // namespace snasio::http
