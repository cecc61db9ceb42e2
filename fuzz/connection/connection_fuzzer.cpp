// Fuzzes a whole connection: bytes in, split into reads at points the input
// chooses, through the parser, the dispatcher, a native route and a stand-in
// for the Python side that answers in an order the input chooses, and out
// through the response writer, over a real socket (a Unix socket pair, whose
// writes reach the other end at once, so every run is the same).
//
// Checked on every input, not just "no crash":
//   - never more final responses than requests the parser completed (plus one
//     refusal);
//   - responses in request order (each answer names the request it answers);
//   - every response well-formed (status line, headers, Content-Length
//     matching the body, or whole chunks ending with the last one: the
//     stand-in answers some requests as streams);
//   - after a refusal, or any response that says Connection: close, nothing
//     more is sent, and nothing more is parsed from that connection;
//   - trailers never become headers: a request handed on has one Host at
//     most, and trailers only after a chunked body;
//   - no job reaches the Python side with more form fields or parts than the
//     limits allow, or with a NUL byte in its path; no request is handed on
//     with a header field that has no name;
//   - the middleware answers well: CORS (preflights, 403s), compression (a
//     gzip or br body decodes, whole or streamed), a static mount (small
//     files whole, a large one pumped in pieces) and a rate limit (429).
//
// Input: 8 control bytes (a seed for where reads split and in which order the
// Python stand-in answers), then the bytes the client sends.
#include <sys/socket.h>
#include <unistd.h>

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <brotli/decode.h>
#include <zlib.h>

#include <asio.hpp>

#include "app/dispatcher.hpp"
#include "http/url.hpp"
#include "http/request_parser.hpp"
#include "net/request_handler.hpp"
#include "net/connection_manager.hpp"
#include "python/backend.hpp"

using namespace snasio;

namespace {

[[noreturn]] void die(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "connection_fuzzer: %s\n%.*s\n", what, int(detail.size()), detail.data());
  std::abort();
}

// The Python side without Python: keeps the jobs, and answers them when told,
// each with a body naming the request it answers.
class stand_in final : public python::backend {
 public:
  explicit stand_in(asio::any_io_executor reactor)
      : replies_(std::move(reactor)) {
    python::python_route r;
    r.methods = {"GET", "POST"};
    r.pattern = "/py/<int:n>";
    r.name = "stand_in.py";
    r.cleanup_after_write = true;  // so the connection reports each answer written
    routes_.push_back(std::move(r));
  }
  const std::vector<python::python_route>& routes() const override { return routes_; }
  bool submit(python::job_ptr& j) override {
    if (j->form.fields.size() > 4 || j->form.parts.size() > 4) die("a form past its limits reached Python");
    if (j->path.find('\0') != std::string::npos) die("a NUL byte in a path reached Python");
    if (waiting_.size() >= 8) return false;  // a small queue, so 503s happen too
    waiting_.push_back(std::move(j));
    return true;
  }
  void abandoned(std::uint64_t) override {}
  // Told once per answered job, once its answer is written or its client gone.
  void written(std::uint64_t job_id) override {
    if (!answered_.erase(job_id)) die("written() for a job not answered, or told twice");
  }
  void room(std::uint64_t) override {}
  void draining() override {}
  python::reply_queue& replies() override { return replies_; }

  /// Answers one waiting job, the oldest or the newest, as `newest` says;
  /// with `split` > 0 as a stream: the head, then the body in two pieces
  /// cut at a point `split` chooses.
  bool answer_one(bool newest, std::uint64_t split = 0) {
    if (waiting_.empty()) return false;
    python::job_ptr j = std::move(newest ? waiting_.back() : waiting_.front());
    newest ? waiting_.pop_back() : waiting_.pop_front();
    std::string body = "{\"answers\":\"" + http::json_escape(j->path) + "\"}";
    answered_.insert(j->id);
    if (split == 0) {
      j->answer.send(http::response::json(200, std::move(body)));
      return true;
    }
    net::responder to = *j->answer.to();
    http::response head = http::response::json(200, {});
    head.streamed = true;
    j->answer.send(std::move(head));
    std::size_t cut = split % (body.size() + 1);
    python::reply_queue::reply first{to, http::response::json(200, body.substr(0, cut)), net::piece_end::more};
    python::reply_queue::reply rest{to, http::response::json(200, body.substr(cut)), net::piece_end::last};
    replies_.push(std::move(first));
    replies_.push(std::move(rest));
    return true;
  }
  void forget_all() {
    for (auto& j : waiting_) j->answer.drop();
    waiting_.clear();
  }

 private:
  python::reply_queue replies_;
  std::vector<python::python_route> routes_;
  std::deque<python::job_ptr> waiting_;
  std::unordered_set<std::uint64_t> answered_;  // answered, not yet reported written
};

// Counts what the connection hands on, and passes it to the dispatcher.
class counting_handler final : public net::request_handler {
 public:
  explicit counting_handler(app::dispatcher& d) : dispatcher_(d) {}
  net::listening handle(http::request&& req, const net::responder& to) override {
    // Requests are named by their percent-decoded path, as the Python side
    // sees them (an absolute-form target names its path).
    targets.push_back(http::percent_decode_path(req.raw_path()).value_or(""));
    heads.push_back(req.method == "HEAD");
    std::size_t hosts = 0;
    for (const auto& h : req.headers) {
      hosts += http::iequals(h.name, "Host");
      if (h.name.empty()) die("a header field without a name handed on");
    }
    if (hosts > 1) die("a request handed on with two Hosts");
    if (!req.trailers.empty() && req.header("Transfer-Encoding").empty()) die("trailers without a chunked body");
    return dispatcher_.handle(std::move(req), to);
  }
  // A refusal after a head was read is the last answer: its HEAD counts too.
  net::listening refused(http::request&& req, http::response answer, const net::responder& to) override {
    if (req.method.empty() || req.target.empty()) die("a refused request handed on without its head");
    heads.push_back(req.method == "HEAD");
    return dispatcher_.refused(std::move(req), std::move(answer), to);
  }
  std::vector<std::string> targets;  // every request handed on, by its path, in order
  std::vector<bool> heads;           // ...and whether it was a HEAD

 private:
  app::dispatcher& dispatcher_;
};

struct world {
  asio::io_context io{1};
  app::dispatcher dispatcher;
  stand_in python{io.get_executor()};
  counting_handler handler{dispatcher};
  net::server_options options;
  std::unique_ptr<net::connection_manager> connections;
};

// A static mount whose files name themselves, as every answer names its request.
std::string static_dir() {
  std::string dir = "/tmp/snasio-fuzz-static-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir + "/sub");
  std::ofstream(dir + "/a.txt") << "{\"answers\":\"/static/a.txt\"}";
  std::ofstream(dir + "/sub/index.html") << "{\"answers\":\"/static/sub/\"}";
  std::string big;
  while (big.size() <= middleware::static_files::whole_file_bytes) big += "/static/big.json ";
  std::ofstream(dir + "/big.json") << big;
  return dir;
}

std::string decoded(std::string_view coding, const std::string& body) {
  std::string out;
  char buffer[65536];
  if (coding == "gzip") {
    z_stream z{};
    inflateInit2(&z, 15 + 16);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
    z.avail_in = uInt(body.size());
    int status = Z_OK;
    while (status == Z_OK) {
      z.next_out = reinterpret_cast<Bytef*>(buffer);
      z.avail_out = sizeof buffer;
      status = inflate(&z, Z_NO_FLUSH);
      out.append(buffer, sizeof buffer - z.avail_out);
    }
    inflateEnd(&z);
    if (status != Z_STREAM_END) die("a gzip body that does not decode", body);
    return out;
  }
  auto* s = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
  std::size_t in_left = body.size();
  const auto* in = reinterpret_cast<const std::uint8_t*>(body.data());
  BrotliDecoderResult result = BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT;
  while (result == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) {
    std::size_t out_left = sizeof buffer;
    auto* next = reinterpret_cast<std::uint8_t*>(buffer);
    result = BrotliDecoderDecompressStream(s, &in_left, &in, &out_left, &next, nullptr);
    out.append(buffer, sizeof buffer - out_left);
  }
  BrotliDecoderDestroyInstance(s);
  if (result != BROTLI_DECODER_RESULT_SUCCESS) die("a br body that does not decode", body);
  return out;
}

http::response names(const http::request& r, const app::path_params&) {
  std::string path = http::percent_decode_path(r.raw_path()).value_or("");
  return http::response::json(200, "{\"answers\":\"" + http::json_escape(path) + "\"}");
}

world& the_world() {
  static world* w = [] {
    auto* w = new world;  // lives for the whole run
    middleware::settings around;
    around.cors.origins = {"https://a.example"};
    around.cors.headers = {"X-Custom"};
    around.compression.gzip = around.compression.brotli = true;
    around.compression.min_size = 16;
    around.rate = {1000, 20};  // reached by a long pipeline: 429s happen too
    around.statics.push_back({"/static", static_dir()});
    w->dispatcher.set_middleware(around, w->io.get_executor());
    w->dispatcher.add_native({"GET", "POST"}, "/native/<path:rest>", names);
    w->dispatcher.add_native({"GET"}, "/dir/", names);
    w->dispatcher.add_python(w->python);
    w->options.max_pipelined = 4;
    w->options.max_unsent_bytes = 2048;  // reached by a few answers: the pipeline stops and resumes
    w->options.limits.max_body_bytes = 512;
    w->options.limits.max_header_bytes = 1024;
    w->options.limits.max_form_fields = 4;
    w->options.limits.max_form_parts = 4;
    // The peer is a Unix socket: believed, so forwarding headers are parsed on every input.
    w->options.forwarded_allow_ips.unix_peers = true;
    w->dispatcher.set_limits(w->options.limits);
    w->connections = std::make_unique<net::connection_manager>(w->io.get_executor(), w->options, w->handler);
    return w;
  }();
  return *w;
}

void settle(world& w) {
  // Run whatever is ready until nothing is: reads, dispatches, replies, writes.
  for (int i = 0; i < 100 && w.io.poll() > 0; ++i) {
  }
  w.io.restart();
}

std::string read_available(int fd) {
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n <= 0) break;
    out.append(buf, std::size_t(n));
  }
  return out;
}

struct parsed_response {
  int status = 0;
  bool closes = false;
  std::string body;
};

// Parses the server's output strictly; dies on anything malformed. A HEAD's
// response has the Content-Length of a GET's and no body.
std::vector<parsed_response> parse_responses(std::string_view out, const std::vector<bool>& heads) {
  std::vector<parsed_response> all;
  while (!out.empty()) {
    auto head_end = out.find("\r\n\r\n");
    if (head_end == std::string_view::npos) die("a response head without its end", out);
    std::string_view head = out.substr(0, head_end);
    out.remove_prefix(head_end + 4);
    if (head.substr(0, 9) != "HTTP/1.1 " || head.size() < 12) die("a bad status line", head);
    parsed_response r;
    r.status = std::atoi(std::string(head.substr(9, 3)).c_str());
    if (r.status < 100 || r.status > 599) die("a bad status", head);
    long length = -1;
    bool chunked = false;
    std::string_view coding;
    std::size_t pos = head.find("\r\n");
    while (pos != std::string_view::npos) {
      std::size_t next = head.find("\r\n", pos + 2);
      std::string_view line = head.substr(pos + 2, next == std::string_view::npos ? std::string_view::npos : next - pos - 2);
      auto colon = line.find(": ");
      if (colon == std::string_view::npos) die("a header line without ': '", line);
      std::string_view name = line.substr(0, colon), value = line.substr(colon + 2);
      if (http::iequals(name, "Content-Length")) length = std::atol(std::string(value).c_str());
      if (http::iequals(name, "Transfer-Encoding")) {
        if (value != "chunked") die("a transfer coding other than chunked", line);
        chunked = true;
      }
      if (http::iequals(name, "Connection") && value == "close") r.closes = true;
      if (http::iequals(name, "Content-Encoding")) coding = value;
      pos = next;
    }
    if (r.status == 100) continue;  // interim: no body
    bool head_request = all.size() < heads.size() && heads[all.size()];
    // One framing: Content-Length, chunked, or (a stream to an HTTP/1.0
    // client) neither, and the end of the connection ends the body.
    if (r.status != 204 && r.status != 304 && length >= 0 && chunked)
      die("a response with both Content-Length and chunked", head);
    bool until_close = r.status != 204 && r.status != 304 && length < 0 && !chunked;
    if (until_close && !r.closes) die("a final response with no framing at all", head);
    if (chunked && !head_request) {
      // A stream: chunks until the last one; every chunk complete.
      for (;;) {
        auto line_end = out.find("\r\n");
        if (line_end == std::string_view::npos) die("a chunk without its size line", out);
        std::size_t n = 0;
        auto [p, ec] = std::from_chars(out.data(), out.data() + line_end, n, 16);
        if (ec != std::errc{} || p != out.data() + line_end) die("a bad chunk size", out.substr(0, line_end));
        out.remove_prefix(line_end + 2);
        if (n == 0) {
          if (out.substr(0, 2) != "\r\n") die("a last chunk without its CRLF", out);
          out.remove_prefix(2);
          break;
        }
        if (out.size() < n + 2 || out.substr(n, 2) != "\r\n") die("a chunk shorter than its size", out);
        r.body.append(out.substr(0, n));
        out.remove_prefix(n + 2);
      }
    } else if (until_close && !head_request) {
      r.body = out;
      out = {};
    } else if (r.status != 204 && r.status != 304 && !head_request) {
      if (out.size() < std::size_t(length)) die("a body shorter than its Content-Length", head);
      r.body = out.substr(0, std::size_t(length));
      out.remove_prefix(std::size_t(length));
    }
    if (!coding.empty() && !head_request && !r.body.empty()) r.body = decoded(coding, r.body);
    all.push_back(std::move(r));
  }
  return all;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 8) return 0;
  std::uint64_t seed = 0;
  std::memcpy(&seed, data, 8);
  std::string_view input(reinterpret_cast<const char*>(data) + 8, size - 8);
  world& w = the_world();
  std::mt19937_64 choose(seed);
  w.handler.targets.clear();
  w.handler.heads.clear();

  // What the parser makes of the bytes on its own: how many requests it
  // completes before it refuses something (if it does).
  std::size_t complete = 0;
  bool refused = false;
  {
    http::request_parser alone(w.options.limits);
    std::string_view rest = input;
    for (;;) {
      std::size_t used = 0;
      auto s = alone.parse(rest, used);
      rest.remove_prefix(used);
      if (s == http::request_parser::state::complete) {
        ++complete;
        bool closes = !alone.take().keep_alive || alone.must_close();
        if (closes) break;  // nothing after it is read
        continue;
      }
      refused = s == http::request_parser::state::error;
      break;
    }
  }

  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) die("no socket pair");
  int fd = pair[1];
  net::stream_socket server_side(w.io);
  server_side.assign(asio::generic::stream_protocol(AF_UNIX, 0), pair[0]);
  w.connections->start(std::move(server_side));
  settle(w);

  // Send the bytes in pieces; between pieces, let the server work and let the
  // stand-in answer some of what waits, oldest or newest first.
  std::string out;
  while (!input.empty()) {
    std::size_t piece = std::min<std::size_t>(input.size(), 1 + choose() % 64);
    if (::send(fd, input.data(), piece, MSG_NOSIGNAL) < 0) break;
    input.remove_prefix(piece);
    settle(w);
    for (auto n = choose() % 3; n > 0; --n) w.python.answer_one(choose() % 2, choose() % 2 ? choose() : 0);
    settle(w);
    out += read_available(fd);
  }
  while (w.python.answer_one(choose() % 2, choose() % 2 ? choose() : 0)) settle(w);
  settle(w);
  out += read_available(fd);
  ::close(fd);
  settle(w);
  w.python.forget_all();
  settle(w);

  // The checks.
  const auto& handed = w.handler.targets;
  auto responses = parse_responses(out, w.handler.heads);
  if (handed.size() > complete) die("more requests handed on than the parser completed", out);
  if (responses.size() < handed.size()) die("a request handed on got no answer", out);
  for (std::size_t i = 0; i < responses.size(); ++i) {
    const auto& r = responses[i];
    if (r.closes && i + 1 != responses.size()) die("a response after one that closed the connection", out);
    if (i >= handed.size() || w.handler.heads[i]) continue;
    // An answer from a handler names its request (a static file names the
    // file, which many paths reach: not checked); the
    // router's own answers (404, 405, OPTIONS, 308, a bad escape or form), a
    // form past its limits (413), a full queue's 503 and the middleware's
    // (a CORS 403, 429, a range's 206 or 416, 304) do not.
    bool names_it = r.body.find(http::json_escape(handed[i])) != std::string::npos;
    bool routed = r.status == 404 || r.status == 405 || r.status == 204 || r.status == 308 || r.status == 400 ||
                  r.status == 413 || r.status == 503 || r.status == 403 || r.status == 429 || r.status == 206 ||
                  r.status == 416 || r.status == 304 || handed[i].starts_with("/static");
    if (!names_it && !routed) die("a response out of request order", out);
  }
  std::size_t beyond = responses.size() - handed.size();
  if (beyond > 1) die("more than one response beyond the requests handed on", out);
  if (refused != (beyond == 1)) die(refused ? "no refusal for input the parser refuses" : "a refusal the parser would not make", out);
  return 0;
}
