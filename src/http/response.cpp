#include "http/response.hpp"

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

void append_number(std::string& out, std::size_t n) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, end);
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  out += value;
  out += "\r\n";
}

}  // namespace

std::string serialize(const response& r, const framing& f, std::string_view date) {
  const bool bodyless = status_forbids_body(r.status);
  const bool send_body = !bodyless && !f.head_request;

  std::string out;
  out.reserve(160 + r.body.size());
  out += "HTTP/1.1 ";
  append_number(out, std::size_t(r.status));
  out += ' ';
  out += reason_phrase(r.status);
  out += "\r\n";
  append_header(out, "Server", "snasio");
  append_header(out, "Date", date);
  if (!r.content_type.empty() && !bodyless) append_header(out, "Content-Type", r.content_type);
  // HEAD gets the Content-Length a GET would have had (RFC 9110 9.3.2);
  // 1xx, 204 and 304 carry none at all (RFC 9110 8.6).
  if (!bodyless) {
    out += "Content-Length: ";
    append_number(out, r.body.size());
    out += "\r\n";
  }
  for (const auto& h : r.headers) append_header(out, h.name, h.value);
  if (!f.keep_alive)
    append_header(out, "Connection", "close");
  else if (f.http10)
    append_header(out, "Connection", "keep-alive");
  out += "\r\n";
  if (send_body) out += r.body;
  return out;
}

}  // namespace snasio::http
