#include "http/multipart.hpp"

#include <catch2/catch.hpp>

#include "http/media_type.hpp"

using snasio::http::form_part;
using snasio::http::media_type;
using snasio::http::parameter;
using snasio::http::parse_multipart;
using namespace std::string_view_literals;

namespace {

std::vector<form_part> parts_of(std::string_view body, std::string_view boundary = "XyZ") {
  std::vector<form_part> parts;
  std::string error;
  bool parsed = parse_multipart(body, boundary, parts, error);
  INFO(error);
  REQUIRE(parsed);
  return parts;
}

std::string error_of(std::string_view body, std::string_view boundary = "XyZ") {
  std::vector<form_part> parts;
  std::string error;
  CHECK_FALSE(parse_multipart(body, boundary, parts, error));
  return error;
}

}  // namespace

TEST_CASE("media_type is the type without parameters, in lower case", "[media_type]") {
  CHECK(media_type("Text/HTML; charset=utf-8") == "text/html");
  CHECK(media_type("  multipart/form-data ;boundary=x") == "multipart/form-data");
  CHECK(media_type("") == "");
}

TEST_CASE("parameter finds a parameter by name, quoted or not", "[media_type]") {
  CHECK(parameter("multipart/form-data; boundary=abc", "boundary") == "abc");
  CHECK(parameter("multipart/form-data; BOUNDARY = \"a b\" ; x=1", "boundary") == "a b");
  CHECK(parameter("form-data; name=\"f\"; filename=\"a;b \\\"c\\\".txt\"", "filename") == "a;b \"c\".txt");
  CHECK(parameter("form-data; name=\"f\"; filename=\"a;b.txt\"", "name") == "f");
  CHECK(parameter("form-data; flag; name=x", "name") == "x");
  CHECK(parameter("form-data; name=\"unterminated", "name") == "unterminated");
  CHECK(parameter("form-data; name=", "name") == "");
  CHECK_FALSE(parameter("form-data; filename=a", "name"));
  CHECK_FALSE(parameter("form-data", "name"));
  CHECK_FALSE(parameter("name=x", "name"));  // the first item is the type, not a parameter
}

TEST_CASE("parse_multipart splits fields and files", "[multipart]") {
  auto parts = parts_of(
      "preamble to ignore\r\n"
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"title\"\r\n"
      "\r\n"
      "Hello\r\nworld\r\n"
      "--XyZ  \r\n"
      "content-disposition: form-data; name=\"upload\"; filename=\"a.bin\"\r\n"
      "Content-Type:  application/octet-stream \r\n"
      "\r\n"
      "\x00\x01--XyZ-\r\n"
      "--XyZ--\r\n"
      "epilogue to ignore"sv);
  REQUIRE(parts.size() == 2);
  CHECK(parts[0].name == "title");
  CHECK_FALSE(parts[0].filename);
  CHECK(parts[0].content_type.empty());
  CHECK(parts[0].data == "Hello\r\nworld");
  CHECK(parts[1].name == "upload");
  CHECK(parts[1].filename == "a.bin");
  CHECK(parts[1].content_type == "application/octet-stream");
  CHECK(parts[1].data == std::string_view("\x00\x01--XyZ-", 8));
}

TEST_CASE("parse_multipart takes empty forms, empty parts and parts without headers but a name", "[multipart]") {
  CHECK(parts_of("--XyZ--").empty());
  CHECK(parts_of("--XyZ--\r\n").empty());
  auto parts = parts_of("--XyZ\r\nContent-Disposition: form-data; name=\"\"\r\n\r\n\r\n--XyZ--");
  REQUIRE(parts.size() == 1);
  CHECK(parts[0].name.empty());
  CHECK(parts[0].data.empty());
}

TEST_CASE("parse_multipart refuses what is not well formed, saying why", "[multipart]") {
  CHECK(error_of("anything", "") == "multipart/form-data needs a boundary parameter of 1 to 70 characters");
  CHECK(error_of("x", std::string(71, 'b')).find("1 to 70") != std::string::npos);
  CHECK(error_of("no boundary here") == "the multipart body has no boundary line");
  CHECK(error_of("--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nvalue") ==
        "the multipart body ends before its closing boundary");
  CHECK(error_of("--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--XyZ") ==
        "a multipart boundary line does not end with CRLF");
  CHECK(error_of("--XyZx\r\n\r\n\r\n--XyZ--") == "a multipart boundary line does not end with CRLF");
  CHECK(error_of("--XyZ\r\nContent-Disposition: form-data; name=a\r\nvalue\r\n--XyZ--") ==
        "a multipart part has no blank line after its headers");
  CHECK(error_of("--XyZ\r\nContent-Disposition: form-data; name=a\r\n folded\r\n\r\nv\r\n--XyZ--") ==
        "a multipart part has a malformed header line");
  CHECK(error_of("--XyZ\r\nno colon\r\n\r\nv\r\n--XyZ--") == "a multipart part has a malformed header line");
  CHECK(error_of("--XyZ\r\n\r\nv\r\n--XyZ--") == "a multipart part has no 'Content-Disposition: form-data' with a name");
  CHECK(error_of("--XyZ\r\nContent-Disposition: attachment; name=a\r\n\r\nv\r\n--XyZ--") ==
        "a multipart part has no 'Content-Disposition: form-data' with a name");
  CHECK(error_of("--XyZ\r\nContent-Disposition: form-data; filename=a\r\n\r\nv\r\n--XyZ--") ==
        "a multipart part has no 'Content-Disposition: form-data' with a name");
}
