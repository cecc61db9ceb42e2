// Compression: the coding a request's Accept-Encoding chooses, and encoders
// whose output decodes (zlib, brotli's decoder) to what went in, piece by piece.
#include "http/encoding.hpp"

#include <brotli/decode.h>
#include <zlib.h>

#include <string>

#include <catch2/catch.hpp>

#include "http/response.hpp"

using namespace snasio::http;

namespace {
std::string gunzip(const std::string& in) {
  z_stream z{};
  REQUIRE(inflateInit2(&z, 15 + 16) == Z_OK);
  std::string out(in.size() * 50 + 1024, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = uInt(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = uInt(out.size());
  int status = inflate(&z, Z_SYNC_FLUSH);
  CHECK((status == Z_OK || status == Z_STREAM_END));
  out.resize(out.size() - z.avail_out);
  inflateEnd(&z);
  return out;
}

std::string unbrotli(const std::string& in) {
  std::string out(in.size() * 50 + 1024, '\0');
  auto* s = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
  std::size_t in_left = in.size(), out_left = out.size();
  const auto* next_in = reinterpret_cast<const std::uint8_t*>(in.data());
  auto* next_out = reinterpret_cast<std::uint8_t*>(out.data());
  BrotliDecoderDecompressStream(s, &in_left, &next_in, &out_left, &next_out, nullptr);
  BrotliDecoderDestroyInstance(s);
  out.resize(out.size() - out_left);
  return out;
}
}  // namespace

TEST_CASE("Accept-Encoding chooses by q-value among the codings enabled", "[encoding]") {
  compression_policy both{true, true};
  CHECK(choose_coding("gzip", both) == coding::gzip);
  CHECK(choose_coding("gzip, br", both) == coding::br);  // a tie: br
  CHECK(choose_coding("br;q=0.5, gzip", both) == coding::gzip);
  CHECK(choose_coding("br;q=0, gzip;q=0", both) == coding::identity);
  CHECK(choose_coding("*", both) == coding::br);
  CHECK(choose_coding("*;q=0.2, gzip;q=0.1", both) == coding::br);
  CHECK(choose_coding("identity", both) == coding::identity);
  CHECK(choose_coding("", both) == coding::identity);
  CHECK(choose_coding("GZIP ; Q=0.9", both) == coding::gzip);
  CHECK(choose_coding("deflate, compress", both) == coding::identity);
  CHECK(choose_coding("gzip;q=0.001", both) == coding::gzip);
  CHECK(choose_coding("gzip;q=0.0000", both) == coding::identity);
  CHECK(choose_coding(",,;,;q=,br;q=1.5", both) == coding::br);  // junk around a member is ignored
  compression_policy gzip_only{true, false};
  CHECK(choose_coding("br, gzip;q=0.1", gzip_only) == coding::gzip);
  CHECK(choose_coding("br", gzip_only) == coding::identity);
  CHECK(choose_coding("gzip", compression_policy{}) == coding::identity);
}

TEST_CASE("a body compressed whole decodes to itself", "[encoding]") {
  std::string body;
  for (int i = 0; i < 2000; ++i) body += "{\"id\": " + std::to_string(i) + ", \"name\": \"item\"},";
  for (int quality : {1, 5, 9}) {
    auto gz = compress(coding::gzip, quality, body);
    CHECK(gz.size() < body.size() / 4);
    CHECK(gunzip(gz) == body);
  }
  for (int quality : {0, 4, 11}) {
    auto br = compress(coding::br, quality, body);
    CHECK(br.size() < body.size() / 4);
    CHECK(unbrotli(br) == body);
  }
  CHECK(gunzip(compress(coding::gzip, 5, "")).empty());
  CHECK(unbrotli(compress(coding::br, 5, "")).empty());
}

TEST_CASE("a stream is compressed piece by piece, each piece flushed", "[encoding]") {
  for (auto c : {coding::gzip, coding::br}) {
    auto e = make_encoder(c, 5);
    std::string sent, so_far;
    for (int i = 0; i < 20; ++i) {
      std::string piece = "data: event " + std::to_string(i) + "\n\n";
      sent += piece;
      so_far += e->encode(piece, false);
      // What went out so far decodes to every piece given: nothing waits in the encoder.
      CHECK((c == coding::gzip ? gunzip(so_far) : unbrotli(so_far)) == sent);
    }
    so_far += e->encode("", true);
    CHECK((c == coding::gzip ? gunzip(so_far) : unbrotli(so_far)) == sent);
  }
}

TEST_CASE("a body that does not compress, and states kept between bodies, still decode to themselves", "[encoding]") {
  std::string noise;
  std::uint32_t x = 12345;
  for (int i = 0; i < 70000; ++i) noise += char((x = x * 1103515245 + 12345) >> 24);  // incompressible bytes
  // Sizes of several window shapes, each twice: the second body of a shape reuses the first's deflate state.
  for (std::size_t size : {100, 1000, 5000, 70000, 100, 1000, 5000, 70000, 0}) {
    const std::string body = noise.substr(0, size);
    auto gz = compress(coding::gzip, 6, body);
    CHECK(gz.size() > body.size());  // more than half the body: the room grew
    CHECK(gunzip(gz) == body);
  }
  auto e = make_encoder(coding::gzip, 6);  // a stream of such pieces, each flushed
  std::string so_far;
  for (int i = 0; i < 3; ++i) so_far += e->encode(noise.substr(std::size_t(i) * 3000, 3000), false);
  so_far += e->encode("", true);
  CHECK(gunzip(so_far) == noise.substr(0, 9000));
}

TEST_CASE("compressible: successes of the listed types, big enough, not encoded or ranged", "[encoding]") {
  compression_policy p{true, true, 10};
  response r{200, "application/json", {}, std::string(100, 'x')};
  CHECK(compressible(r, p));
  r.content_type = "text/html; charset=utf-8";
  CHECK(compressible(r, p));
  r.content_type = "image/png";
  CHECK_FALSE(compressible(r, p));
  r.content_type = "text/event-stream";
  CHECK_FALSE(compressible(r, p));
  p.event_streams = true;
  CHECK(compressible(r, p));
  r.content_type = "application/json";
  r.body = "tiny";
  CHECK_FALSE(compressible(r, p));
  r.body = std::string(100, 'x');
  for (int status : {204, 206, 304, 404, 500}) {
    r.status = status;
    CHECK_FALSE(compressible(r, p));
  }
  r.status = 200;
  r.headers = {{"content-encoding", "gzip"}};
  CHECK_FALSE(compressible(r, p));
  r.headers = {{"Content-Range", "bytes 0-9/100"}};
  CHECK_FALSE(compressible(r, p));
  r.headers.clear();
  r.streamed = true;
  r.stream_length = -1;  // a stream of unknown length: large enough
  CHECK(compressible(r, p));
  r.stream_length = 5;
  CHECK_FALSE(compressible(r, p));
}

TEST_CASE("codings by name, and Accept-Encoding's less usual forms", "[encoding]") {
  CHECK(coding_name(coding::gzip) == "gzip");
  CHECK(coding_name(coding::br) == "br");
  CHECK(coding_name(coding::identity) == "identity");
  compression_policy both{true, true};
  CHECK(choose_coding("x-gzip", both) == coding::gzip);
  CHECK(choose_coding("gzip;level=1", both) == coding::gzip);            // a parameter that is not q
  CHECK(choose_coding("gzip;level=1;q=0", both) == coding::identity);
  CHECK(choose_coding("gzip;q=1.000, br;q=0.999", both) == coding::gzip);
  CHECK(choose_coding("br;q=0.5x", both) == coding::br);                 // digits read up to the junk
  CHECK(choose_coding("br;q=", both) == coding::br);                    // a q with no value: as if absent
  CHECK(choose_coding("*;q=0, gzip", both) == coding::gzip);
  CHECK(choose_coding("  br  ,  gzip  ", both) == coding::br);
  CHECK(make_encoder(coding::identity, 5) == nullptr);
  // A body larger than deflate's bound for one call still comes out whole.
  std::string noise;
  for (std::uint32_t x = 1; noise.size() < 300000; x = x * 1103515245u + 12345u) noise += char(x >> 24);
  CHECK(gunzip(compress(coding::gzip, 1, noise)) == noise);
  CHECK(unbrotli(compress(coding::br, 1, noise)) == noise);
  compression_policy family{true, false};
  family.types = {"text/*"};
  CHECK(family.compresses_type("text/csv; charset=utf-8"));
  CHECK_FALSE(family.compresses_type("textual/x"));
  CHECK_FALSE(family.compresses_type("text"));
  // Types match as HTTP compares them: without parameters, space or case.
  compression_policy exact{true, false};
  exact.types = {"application/json"};
  CHECK(exact.compresses_type(" Application/JSON ; charset=utf-8"));
  CHECK_FALSE(exact.compresses_type("application/jsonx"));
  CHECK_FALSE(exact.compresses_type("application/jso"));
  CHECK_FALSE(exact.compresses_type(""));
  CHECK_FALSE(exact.compresses_type("Text/Event-Stream"));
  exact.event_streams = true;
  CHECK(exact.compresses_type("Text/Event-Stream; charset=utf-8"));
}
