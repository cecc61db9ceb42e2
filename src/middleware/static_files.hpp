#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.hpp"
#include "http/response.hpp"

namespace snasio::middleware {

/// A directory served under a path prefix (App.static; --static PREFIX=DIR).
struct static_mount {
  std::string prefix;            ///< "/public": the URL path it is served under
  std::string dir;               ///< the directory
  bool index = true;             ///< a directory's index.html answers for it
  std::string cache_control = {};  ///< sent as Cache-Control when not empty
  bool follow_symlinks = false;  ///< a symlink may lead out of `dir`
};

/// A file's answer: whole in `response.body`, or, for a large file, the head
/// of a stream whose `response.stream_length` bytes the caller reads from
/// `fd` (which it then owns) at `offset`.
struct file_answer {
  http::response response;
  int fd = -1;
  long long offset = 0;
};

/// Files served natively, confined to their mounts: the path is split into
/// segments, "..", dot-files and NUL refused, and the file opened with
/// openat2(RESOLVE_BENEATH), so no symlink leads out unless allowed. ETag and
/// Last-Modified with 304, one byte range (206, 416), HEAD, index.html,
/// precompressed .br and .gz siblings, a media type from a built-in table.
class static_files {
 public:
  /// Files up to this size are read whole; larger ones are streamed.
  static constexpr long long whole_file_bytes = 256 * 1024;

  static_files() = default;
  static_files(const static_files&) = delete;
  static_files& operator=(const static_files&) = delete;
  ~static_files();
  /// Adds a mount; throws std::runtime_error naming a directory that cannot be opened.
  void mount(static_mount m);
  bool empty() const noexcept { return mounts_.empty(); }
  /// The answer for `path` (percent-decoded) when a mount's prefix covers
  /// it: a file, 304, 206, 416, 404, 405 or the 308 that adds a directory's
  /// slash; nullopt when no mount does. A mount at "/" answers only with
  /// what it has: a path it has no file for, and other methods, are left
  /// to the routes (nullopt).
  std::optional<file_answer> serve(const http::request& req, std::string_view path) const;

 private:
  struct opened {
    static_mount m;
    int dirfd;
  };
  std::vector<opened> mounts_;  // longest prefix first
};

/// The media type of a file by its extension (a built-in table), or application/octet-stream.
std::string_view media_type_of(std::string_view file_name);

}  // namespace snasio::middleware
