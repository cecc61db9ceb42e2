// Static files: confined to their mount, with the caching and range rules
// clients rely on.
#include "middleware/static_files.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

using namespace snasio;
namespace fs = std::filesystem;

namespace {
struct site {
  fs::path root = fs::temp_directory_path() / ("snasio-static-" + std::to_string(::getpid()));
  fs::path dir = root / "public";
  site() {
    fs::create_directories(dir / "docs");
    write(dir / "hello.txt", "Hello from static storage");
    write(dir / "docs" / "index.html", "<h1>docs</h1>");
    write(dir / ".env", "SECRET=1");
    write(root / "outside.txt", "outside the mount");
    write(dir / "app.js", "console.log('plain')");
    write(dir / "app.js.br", "BR");
    write(dir / "app.js.gz", "GZ");
    write(dir / "big.bin", std::string(middleware::static_files::whole_file_bytes + 1, 'b'));
    fs::create_symlink(root / "outside.txt", dir / "escape.txt");
    fs::create_symlink("hello.txt", dir / "inside.txt");
  }
  ~site() { fs::remove_all(root); }
  static void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }
};

http::request get(std::string path, http::header_list headers = {}, std::string method = "GET") {
  http::request r;
  r.method = std::move(method);
  r.target = std::move(path);
  r.headers = std::move(headers);
  return r;
}

middleware::file_answer serve(const middleware::static_files& s, const http::request& r) {
  auto a = s.serve(r, r.raw_path());
  REQUIRE(a);
  return std::move(*a);
}
}  // namespace

TEST_CASE("files are served under their prefix with type, validators and Cache-Control", "[static]") {
  site t;
  middleware::static_files s;
  s.mount({"/public", t.dir.string(), true, "public, max-age=60"});
  auto a = serve(s, get("/public/hello.txt"));
  CHECK(a.response.status == 200);
  CHECK(a.response.body == "Hello from static storage");
  CHECK(a.response.content_type == "text/plain");
  CHECK(http::find_header(a.response.headers, "Cache-Control") == "public, max-age=60");
  CHECK_FALSE(http::find_header(a.response.headers, "ETag").empty());
  CHECK_FALSE(http::find_header(a.response.headers, "Last-Modified").empty());
  CHECK_FALSE(s.serve(get("/publicity/hello.txt"), "/publicity/hello.txt"));  // not under the prefix
  CHECK_FALSE(s.serve(get("/other"), "/other"));
}

TEST_CASE("no path leads out of the mount: .., dot-files, symlinks out", "[static]") {
  site t;
  middleware::static_files s;
  s.mount({"/public", t.dir.string()});
  for (const char* path : {"/public/../outside.txt", "/public/docs/../../outside.txt", "/public/.env",
                           "/public/escape.txt", "/public/..", "/public/./../outside.txt", "/public//../outside.txt",
                           "/public/nothing.txt", "/public/hello.txt/"})
    CHECK(serve(s, get(path)).response.status == 404);
  CHECK(serve(s, get("/public/inside.txt")).response.body == "Hello from static storage");  // a symlink inside
  middleware::static_files following;
  following.mount({"/public", t.dir.string(), true, "", true});
  CHECK(serve(following, get("/public/escape.txt")).response.body == "outside the mount");  // allowed: followed
}

TEST_CASE("a directory: its index.html, after the slash; or 404 without index", "[static]") {
  site t;
  middleware::static_files s;
  s.mount({"/public", t.dir.string()});
  auto redirect = serve(s, get("/public/docs?x=1"));
  CHECK(redirect.response.status == 308);
  CHECK(http::find_header(redirect.response.headers, "Location") == "/public/docs/?x=1");
  auto index = serve(s, get("/public/docs/"));
  CHECK(index.response.body == "<h1>docs</h1>");
  CHECK(index.response.content_type == "text/html");
  middleware::static_files no_index;
  no_index.mount({"/public", t.dir.string(), false});
  CHECK(serve(no_index, get("/public/docs/")).response.status == 404);
}

TEST_CASE("304 for a matching ETag or a date not older; ranges; HEAD; 405", "[static]") {
  site t;
  middleware::static_files s;
  s.mount({"/public", t.dir.string()});
  auto first = serve(s, get("/public/hello.txt"));
  std::string etag(http::find_header(first.response.headers, "ETag"));
  std::string modified(http::find_header(first.response.headers, "Last-Modified"));
  CHECK(serve(s, get("/public/hello.txt", {{"If-None-Match", etag}})).response.status == 304);
  CHECK(serve(s, get("/public/hello.txt", {{"If-None-Match", "\"other\""}})).response.status == 200);
  CHECK(serve(s, get("/public/hello.txt", {{"If-Modified-Since", modified}})).response.status == 304);
  CHECK(serve(s, get("/public/hello.txt", {{"If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT"}})).response.status == 200);
  CHECK(serve(s, get("/public/hello.txt", {{"If-Modified-Since", "yesterday"}})).response.status == 200);

  auto part = serve(s, get("/public/hello.txt", {{"Range", "bytes=6-9"}}));
  CHECK(part.response.status == 206);
  CHECK(part.response.body == "from");
  CHECK(http::find_header(part.response.headers, "Content-Range") == "bytes 6-9/25");
  CHECK(serve(s, get("/public/hello.txt", {{"Range", "bytes=-7"}})).response.body == "storage");
  CHECK(serve(s, get("/public/hello.txt", {{"Range", "bytes=20-"}})).response.body == "orage");
  auto past = serve(s, get("/public/hello.txt", {{"Range", "bytes=99-"}}));
  CHECK(past.response.status == 416);
  CHECK(http::find_header(past.response.headers, "Content-Range") == "bytes */25");
  for (const char* whole : {"bytes=0-1,3-4", "items=0-1", "bytes=5-2", "bytes=x-", "bytes=٣-٤"})
    CHECK(serve(s, get("/public/hello.txt", {{"Range", whole}})).response.status == 200);
  CHECK(serve(s, get("/public/hello.txt", {{"Range", "bytes=0-1"}, {"If-Range", "\"stale\""}})).response.status == 200);

  auto head = serve(s, get("/public/hello.txt", {}, "HEAD"));
  CHECK(head.response.status == 200);
  CHECK(head.response.streamed);
  CHECK(head.response.stream_length == 25);
  CHECK(head.fd == -1);
  auto post = serve(s, get("/public/hello.txt", {}, "POST"));
  CHECK(post.response.status == 405);
  CHECK(http::find_header(post.response.headers, "Allow") == "GET, HEAD");
}

TEST_CASE("precompressed siblings go to clients that take them; large files are handed over open", "[static]") {
  site t;
  middleware::static_files s;
  s.mount({"/public", t.dir.string()});
  auto br = serve(s, get("/public/app.js", {{"Accept-Encoding", "gzip, br"}}));
  CHECK(br.response.body == "BR");
  CHECK(http::find_header(br.response.headers, "Content-Encoding") == "br");
  CHECK(br.response.content_type == "text/javascript");
  CHECK(http::find_header(br.response.headers, "Vary") == "Accept-Encoding");
  auto gz = serve(s, get("/public/app.js", {{"Accept-Encoding", "gzip"}}));
  CHECK(gz.response.body == "GZ");
  auto plain = serve(s, get("/public/app.js"));
  CHECK(plain.response.body == "console.log('plain')");
  CHECK(http::find_header(plain.response.headers, "Vary").empty());  // asked for no coding: no sibling looked for
  auto identity = serve(s, get("/public/app.js", {{"Accept-Encoding", "deflate"}}));
  CHECK(identity.response.body == "console.log('plain')");
  std::filesystem::remove(t.dir / "app.js.br");
  auto only_br = serve(s, get("/public/app.js", {{"Accept-Encoding", "br"}}));  // no .br: not the .gz it cannot take
  CHECK(only_br.response.body == "console.log('plain')");
  CHECK(serve(s, get("/public/app.js", {{"Accept-Encoding", "br, gzip"}})).response.body == "GZ");
  CHECK(serve(s, get("/public/app.js", {{"Accept-Encoding", "br"}, {"Range", "bytes=0-3"}})).response.body == "cons");

  auto big = serve(s, get("/public/big.bin"));
  CHECK(big.response.streamed);
  CHECK(big.response.stream_length == middleware::static_files::whole_file_bytes + 1);
  REQUIRE(big.fd >= 0);
  ::close(big.fd);
}

TEST_CASE("a mount whose directory cannot be opened is refused, naming it", "[static]") {
  middleware::static_files s;
  CHECK_THROWS_WITH(s.mount({"/x", "/no/such/dir"}), Catch::Contains("/no/such/dir"));
}

TEST_CASE("media types come from the extension", "[static]") {
  CHECK(middleware::media_type_of("a/b.CSS") == "text/css");
  CHECK(middleware::media_type_of("x.woff2") == "font/woff2");
  CHECK(middleware::media_type_of("noext") == "application/octet-stream");
  CHECK(middleware::media_type_of("dir.d/file") == "application/octet-stream");
}

TEST_CASE("a mount at the root serves what it has and leaves the rest to the routes", "[static]") {
  site t;
  middleware::static_files s;
  s.mount({"/", t.dir.string()});
  CHECK(serve(s, get("/hello.txt")).response.body == "Hello from static storage");
  CHECK(serve(s, get("/docs/")).response.body == "<h1>docs</h1>");
  for (const char* path : {"/users/1", "/.well-known/x", "/hello.txt/", "/../outside.txt", "/escape.txt"})
    CHECK_FALSE(s.serve(get(path), path));
  CHECK_FALSE(s.serve(get("/hello.txt", {}, "POST"), "/hello.txt"));
}

TEST_CASE("mount prefixes are normalized; unusual ranges and validators", "[static]") {
  site t;
  middleware::static_files s;
  s.mount({"public//", t.dir.string()});  // no leading slash, trailing ones: "/public"
  CHECK(serve(s, get("/public/hello.txt")).response.status == 200);
  CHECK(serve(s, get("/public/hello.txt", {{"Range", "bytes=-0"}})).response.status == 416);
  CHECK(serve(s, get("/public/hello.txt", {{"Range", "bytes=-99"}})).response.body == "Hello from static storage");
  CHECK(serve(s, get("/public/hello.txt", {{"Range", "bytes=3"}})).response.status == 200);
  CHECK(serve(s, get("/public/hello.txt", {{"Range", "bytes=1-99999999999999999999"}})).response.status == 200);
  auto first = serve(s, get("/public/hello.txt"));
  std::string etag(http::find_header(first.response.headers, "ETag"));
  std::string modified(http::find_header(first.response.headers, "Last-Modified"));
  CHECK(serve(s, get("/public/hello.txt", {{"Range", "bytes=0-4"}, {"If-Range", etag}})).response.body == "Hello");
  CHECK(serve(s, get("/public/hello.txt", {{"Range", "bytes=0-4"}, {"If-Range", modified}})).response.body == "Hello");
  CHECK(serve(s, get("/public/hello.txt", {{"If-None-Match", "*"}})).response.status == 304);
  CHECK(serve(s, get("/public/hello.txt", {{"If-None-Match", "W/" + etag}})).response.status == 304);
  CHECK(serve(s, get("/public/docs/", {}, "HEAD")).response.stream_length == 13);
  CHECK(serve(s, get("/public", {}, "HEAD")).response.status == 308);
}

TEST_CASE("a range whose numbers are too long to be one is ignored", "[static]") {
  site t;
  middleware::static_files s;
  s.mount({"/public", t.dir.string()});
  CHECK(serve(s, get("/public/hello.txt", {{"Range", "bytes=1234567890123456789-"}})).response.status == 200);
  CHECK(serve(s, get("/public/hello.txt", {{"Range", "bytes=-1234567890123456789"}})).response.status == 200);
  CHECK(serve(s, get("/public/hello.txt", {{"Range", "bytes=-"}})).response.status == 200);
}
