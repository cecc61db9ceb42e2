#include "middleware/static_files.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "http/date.hpp"
#include "http/encoding.hpp"

namespace snasio::middleware {

std::string_view media_type_of(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 30> table{{
      {"html", "text/html"}, {"htm", "text/html"}, {"css", "text/css"}, {"js", "text/javascript"},
      {"mjs", "text/javascript"}, {"json", "application/json"}, {"map", "application/json"}, {"txt", "text/plain"},
      {"md", "text/markdown"}, {"csv", "text/csv"}, {"xml", "application/xml"},
      {"svg", "image/svg+xml"}, {"png", "image/png"}, {"jpg", "image/jpeg"}, {"jpeg", "image/jpeg"},
      {"gif", "image/gif"}, {"webp", "image/webp"}, {"avif", "image/avif"}, {"ico", "image/x-icon"},
      {"woff", "font/woff"}, {"woff2", "font/woff2"}, {"ttf", "font/ttf"}, {"otf", "font/otf"},
      {"wasm", "application/wasm"}, {"pdf", "application/pdf"}, {"zip", "application/zip"},
      {"gz", "application/gzip"}, {"mp4", "video/mp4"}, {"webm", "video/webm"}, {"mp3", "audio/mpeg"},
  }};
  std::size_t dot = name.rfind('.');
  std::string_view ext = dot == std::string_view::npos || name.find('/', dot) != std::string_view::npos
                             ? std::string_view() : name.substr(dot + 1);
  for (const auto& [e, type] : table)
    if (http::iequals(e, ext)) return type;
  return "application/octet-stream";
}

namespace {
// Opens `rel` under `dirfd`. Confined: no symlink or ".." resolves outside
// (RESOLVE_BENEATH: the kernel refuses with EXDEV); magic links never.
int open_under(int dirfd, const std::string& rel, bool follow_symlinks) {
  const char* name = rel.empty() ? "." : rel.c_str();
  if (follow_symlinks) return ::openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  open_how how{};
  how.flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  return static_cast<int>(::syscall(SYS_openat2, dirfd, name, &how, sizeof how));
}

struct fd_guard {
  int fd;
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
  int release() { return std::exchange(fd, -1); }
};

http::response answer(int status, std::string_view reason) { return http::response::error(status, reason); }

// One range of "bytes=a-b", "bytes=a-" or "bytes=-n" over `size` bytes:
// [first, last]; nullopt when the header is not one range (served whole);
// first > last when no byte of it exists (416).
std::optional<std::pair<long long, long long>> one_range(std::string_view h, long long size) {
  if (!h.starts_with("bytes=") || h.find(',') != std::string_view::npos) return std::nullopt;
  h.remove_prefix(6);
  std::size_t dash = h.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto number = [](std::string_view s, long long& n) {
    if (s.empty() || s.size() > 18) return false;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    return ec == std::errc() && end == s.data() + s.size();
  };
  long long a = 0, b = size - 1;
  std::string_view first = h.substr(0, dash), last = h.substr(dash + 1);
  if (first.empty()) {  // the last n bytes
    if (!number(last, a)) return std::nullopt;       // not a number we can read: the whole file
    if (a == 0) return std::pair{1LL, 0LL};            // "the last 0 bytes": none exists (416)
    return std::pair{std::max(0LL, size - a), size - 1};
  }
  if (!number(first, a) || (!last.empty() && (!number(last, b) || b < a))) return std::nullopt;
  return std::pair{a, std::min(b, size - 1)};
}
}  // namespace

static_files::~static_files() {
  for (auto& m : mounts_) ::close(m.dirfd);
}

void static_files::mount(static_mount m) {
  while (m.prefix.size() > 1 && m.prefix.ends_with('/')) m.prefix.pop_back();
  if (!m.prefix.starts_with('/')) m.prefix.insert(0, "/");
  int fd = ::open(m.dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("static directory " + m.dir + " (for " + m.prefix + "): " + std::strerror(errno));
  mounts_.push_back({std::move(m), fd});
  std::stable_sort(mounts_.begin(), mounts_.end(),
                   [](const opened& a, const opened& b) { return a.m.prefix.size() > b.m.prefix.size(); });
}

std::optional<file_answer> static_files::serve(const http::request& req, std::string_view path) const {
  auto it = std::find_if(mounts_.begin(), mounts_.end(), [&](const opened& o) {
    const std::string& p = o.m.prefix;
    return p == "/" || (path.starts_with(p) && (path.size() == p.size() || path[p.size()] == '/'));
  });
  if (it == mounts_.end()) return std::nullopt;
  const static_mount& m = it->m;
  // What the mount does not have: 404, but a mount at the root leaves it to the routes.
  auto not_found = [&]() -> std::optional<file_answer> {
    if (m.prefix == "/") return std::nullopt;
    return file_answer{answer(404, "not found")};
  };
  if (req.method != "GET" && req.method != "HEAD") {
    if (m.prefix == "/") return std::nullopt;  // the routes' methods
    auto r = answer(405, "method not allowed");
    r.headers.push_back({"Allow", "GET, HEAD"});
    return file_answer{std::move(r)};
  }
  // The path below the prefix, segment by segment: "" and "." are nothing,
  // ".." and dot-files are never served, whatever lies there.
  std::string rel;
  std::string_view rest = path.substr(m.prefix == "/" ? 0 : m.prefix.size());
  for (std::size_t at = 0; at <= rest.size();) {
    std::size_t end = std::min(rest.find('/', at), rest.size());
    std::string_view seg = rest.substr(at, end - at);
    if (seg.starts_with('.') && seg != ".") return not_found();
    if (!seg.empty() && seg != ".") rel += (rel.empty() ? "" : "/") + std::string(seg);
    at = end + 1;
  }
  fd_guard file{open_under(it->dirfd, rel, m.follow_symlinks)};
  struct stat st{};
  if (file.fd < 0 || ::fstat(file.fd, &st) != 0) return errno == EACCES ? file_answer{answer(403, "forbidden")} : not_found();
  if (S_ISDIR(st.st_mode)) {
    if (!m.index) return not_found();
    if (!path.ends_with('/')) {  // relative links in the index need the slash
      auto r = answer(308, "moved permanently");
      std::string q(req.raw_query());
      r.headers.push_back({"Location", std::string(req.raw_path()) + "/" + (q.empty() ? "" : "?" + q)});
      return file_answer{std::move(r)};
    }
    rel += rel.empty() ? "index.html" : "/index.html";
    ::close(file.release());
    file.fd = open_under(it->dirfd, rel, m.follow_symlinks);
    if (file.fd < 0 || ::fstat(file.fd, &st) != 0) return not_found();
  }
  // "file/" names no file (only a directory's index answers a path ending in '/').
  if (!S_ISREG(st.st_mode) || (path.ends_with('/') && !rel.ends_with("index.html"))) return not_found();

  // "mtime-size" in hex, as nginx makes it.
  char etag_buf[48] = "\"";
  char* end = std::to_chars(etag_buf + 1, etag_buf + 20, static_cast<unsigned long long>(st.st_mtime), 16).ptr;
  *end++ = '-';
  end = std::to_chars(end, end + 20, static_cast<unsigned long long>(st.st_size), 16).ptr;
  *end++ = '"';
  const std::string_view etag_text(etag_buf, std::size_t(end - etag_buf));
  http::response r{200, http::media_text::lasting(media_type_of(rel)), {}, ""};
  r.headers.reserve(6);  // room for those below, and for the coding a compressed answer adds
  r.headers.push_back({"ETag", std::string(etag_text)});
  r.headers.push_back({"Last-Modified", http::imf_date(st.st_mtime)});
  r.headers.push_back({"Accept-Ranges", "bytes"});
  if (!m.cache_control.empty()) r.headers.push_back({"Cache-Control", m.cache_control});
  std::string_view inm = req.header("If-None-Match");
  std::time_t since = 0;
  if (inm.empty() ? http::parse_imf_date(req.header("If-Modified-Since"), since) && st.st_mtime <= since
                  : inm == "*" || inm.find(etag_text) != std::string_view::npos) {
    r.status = 304;
    return file_answer{std::move(r)};
  }
  long long first = 0, length = st.st_size;
  std::string_view range = req.header("Range"), if_range = req.header("If-Range");
  bool ranged = !range.empty() && (if_range.empty() || if_range == etag_text || if_range == r.headers[1].value);
  if (auto span = ranged ? one_range(range, st.st_size) : std::nullopt) {
    if (span->first > span->second) {
      r = answer(416, "range not satisfiable");
      r.headers.push_back({"Content-Range", "bytes */" + std::to_string(st.st_size)});
      return file_answer{std::move(r)};
    }
    first = span->first;
    length = span->second - span->first + 1;
    r.status = 206;
    r.headers.push_back({"Content-Range", "bytes " + std::to_string(first) + "-" + std::to_string(span->second) + "/" +
                                              std::to_string(st.st_size)});
  } else if (std::string_view accept = req.header("Accept-Encoding"); range.empty() && !accept.empty()) {
    // A precompressed sibling (name.br, name.gz) when the client takes its coding.
    static const http::compression_policy both{true, true}, gzip_only{true, false};
    bool varies = false;
    auto chosen = http::choose_coding(accept, both);
    auto fallback = chosen == http::coding::br ? http::choose_coding(accept, gzip_only) : http::coding::identity;
    for (auto c : {chosen, fallback}) {
      if (c == http::coding::identity) continue;
      std::string sibling = rel + (c == http::coding::br ? ".br" : ".gz");
      struct stat sst{};
      fd_guard s{open_under(it->dirfd, sibling, m.follow_symlinks)};
      if (s.fd < 0 || ::fstat(s.fd, &sst) != 0 || !S_ISREG(sst.st_mode)) continue;
      varies = true;
      std::swap(file.fd, s.fd);
      length = sst.st_size;
      r.headers.push_back({"Content-Encoding", std::string(http::coding_name(c))});
      break;
    }
    if (varies) r.headers.push_back({"Vary", "Accept-Encoding"});
  }
  if (req.method == "HEAD" || length > whole_file_bytes) {
    r.streamed = true;
    r.stream_length = length;
    if (req.method == "HEAD") return file_answer{std::move(r)};
    return file_answer{std::move(r), file.release(), first};
  }
  r.body.resize(static_cast<std::size_t>(length));
  ssize_t got = ::pread(file.fd, r.body.data(), r.body.size(), first);
  if (got != length) return file_answer{answer(500, "the file could not be read")};
  return file_answer{std::move(r)};
}

}  // namespace snasio::middleware
