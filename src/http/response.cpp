#include "http/response.hpp"

#include <algorithm>
#include <charconv>

#include "http/status.hpp"

namespace snasio::http {

response response::json(int status, std::string body) {
  return response{status, "application/json", {}, std::move(body)};
}

response response::error(int status, std::string_view reason) {
  std::string body = "{\"error\":\"";
  body += json_escape(reason);
  body += "\"}";
  return json(status, std::move(body));
}

response response::text(int status, std::string body) {
  return response{status, "text/plain; charset=utf-8", {}, std::move(body)};
}

std::string json_escape(std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 0xf];
        } else {
          out += char(c);
        }
    }
  }
  return out;
}

namespace {

char* put(char* out, std::string_view s) { return std::copy(s.begin(), s.end(), out); }

char* put_header(char* out, std::string_view name, std::string_view value) {
  out = put(out, name);
  out = put(out, ": ");
  out = put(out, value);
  return put(out, "\r\n");
}

}  // namespace

std::string chunk(std::string_view bytes) {
  if (bytes.empty()) return {};
  char size[20];
  auto end = std::to_chars(size, size + sizeof size, bytes.size(), 16).ptr;
  std::string out;
  out.reserve(std::size_t(end - size) + bytes.size() + 4);
  out.append(size, end).append("\r\n").append(bytes).append("\r\n");
  return out;
}

std::string serialize(const response& r, const framing& f, std::string_view date) {
  const bool bodyless = status_forbids_body(r.status);
  const bool send_body = !bodyless && !f.head_request && !r.streamed;
  // A stream's length is unknown: chunked for HTTP/1.1, and for HTTP/1.0
  // the end of the connection ends the body.
  const bool sized = !r.streamed || r.stream_length >= 0;
  const bool chunked = !sized && !bodyless && !f.http10;

  char status_digits[8];
  std::string_view status(status_digits, std::size_t(std::to_chars(status_digits, status_digits + 8, r.status).ptr - status_digits));
  char length_digits[24];
  auto length_value = r.streamed ? static_cast<unsigned long long>(r.stream_length) : r.body.size();
  std::string_view length(length_digits,
                          std::size_t(std::to_chars(length_digits, length_digits + 24, length_value).ptr - length_digits));
  const bool content_type = !r.content_type.empty() && !bodyless;
  std::string_view connection = !f.keep_alive || (!sized && f.http10) ? "close" : f.http10 ? "keep-alive" : "";
  std::string_view reason = reason_phrase(r.status);
  constexpr std::size_t line_end = 2, separator = 2;  // "\r\n", ": "

  // Measured first, then written in one buffer: the response is one write.
  std::size_t size = 9 + status.size() + 1 + reason.size() + line_end;  // "HTTP/1.1 200 OK\r\n"
  size += 6 + separator + 6 + line_end;                                  // "Server: snasio\r\n"
  size += 4 + separator + date.size() + line_end;
  if (content_type) size += 12 + separator + r.content_type.size() + line_end;
  if (!bodyless && sized) size += 14 + separator + length.size() + line_end;
  if (chunked) size += 17 + separator + 7 + line_end;
  for (const auto& h : r.headers) size += h.name.size() + separator + h.value.size() + line_end;
  if (!connection.empty()) size += 10 + separator + connection.size() + line_end;
  // An X-Request-ID the answer carries already is the app's choice: kept, not doubled.
  const bool request_id = !f.request_id.empty() && find_header(r.headers, "X-Request-ID").empty();
  if (request_id) size += 12 + separator + f.request_id.size() + line_end;
  if (!f.vary.empty()) size += 4 + separator + f.vary.size() + line_end;
  for (const auto& h : f.extra_headers) size += h.name.size() + separator + h.value.size() + line_end;
  size += line_end + (send_body ? r.body.size() : 0);

  std::string out(size, '\0');
  char* p = out.data();
  p = put(p, "HTTP/1.1 ");
  p = put(p, status);
  *p++ = ' ';
  p = put(p, reason);
  p = put(p, "\r\n");
  p = put_header(p, "Server", "snasio");
  p = put_header(p, "Date", date);
  if (content_type) p = put_header(p, "Content-Type", r.content_type);
  // HEAD gets the Content-Length a GET would have had (RFC 9110 9.3.2);
  // 1xx, 204 and 304 carry none at all (RFC 9110 8.6).
  if (!bodyless && sized) p = put_header(p, "Content-Length", length);
  if (chunked) p = put_header(p, "Transfer-Encoding", "chunked");
  for (const auto& h : r.headers) p = put_header(p, h.name, h.value);
  // HTTP/1.0 keep-alive must be announced explicitly.
  if (!connection.empty()) p = put_header(p, "Connection", connection);
  if (request_id) p = put_header(p, "X-Request-ID", f.request_id);
  if (!f.vary.empty()) p = put_header(p, "Vary", f.vary);
  for (const auto& h : f.extra_headers) p = put_header(p, h.name, h.value);
  p = put(p, "\r\n");
  if (send_body) put(p, r.body);
  return out;
}

bool compressible(const response& r, const compression_policy& p) {
  if (r.status < 200 || r.status >= 300 || r.status == 204 || r.status == 206) return false;
  if (r.streamed ? r.stream_length >= 0 && std::size_t(r.stream_length) < p.min_size : r.body.size() < p.min_size)
    return false;
  for (const auto& h : r.headers)
    if (iequals(h.name, "Content-Encoding") || iequals(h.name, "Content-Range")) return false;
  return p.compresses_type(r.content_type);
}

bool make_closing(std::string& serialized) {
  std::size_t head_end = serialized.find("\r\n\r\n");
  if (head_end == std::string::npos) return false;
  // HTTP/1.0 keep-alive was announced: now it is not.
  constexpr std::string_view keep = "\r\nConnection: keep-alive\r\n";
  if (std::size_t at = serialized.find(keep); at != std::string::npos && at < head_end) {
    serialized.replace(at, keep.size(), "\r\nConnection: close\r\n");
    return true;
  }
  serialized.insert(head_end + 2, "Connection: close\r\n");
  return true;
}

}  // namespace snasio::http
