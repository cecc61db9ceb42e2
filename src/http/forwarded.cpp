#include "http/forwarded.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace snasio::http {

namespace {

std::optional<std::array<unsigned char, 16>> address_bytes(std::string_view text) {
  std::string s(text);
  std::array<unsigned char, 16> out{};
  if (inet_pton(AF_INET6, s.c_str(), out.data()) == 1) return out;
  out[10] = out[11] = 0xff;  // ::ffff:a.b.c.d
  if (inet_pton(AF_INET, s.c_str(), out.data() + 12) == 1) return out;
  return std::nullopt;
}

// Comma-separated items of every header called `name`, in order, trimmed.
std::vector<std::string_view> list(const header_list& headers, std::string_view name) {
  std::vector<std::string_view> items;
  for (const auto& h : headers) {
    if (!iequals(h.name, name)) continue;
    std::string_view rest = h.value;
    while (!rest.empty()) {
      std::size_t comma = rest.find(',');
      if (auto item = trim(rest.substr(0, comma)); !item.empty()) items.push_back(item);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  }
  return items;
}

// The value of `key` in one Forwarded element ("for=1.2.3.4;proto=https"), unquoted.
std::string_view forwarded_pair(std::string_view element, std::string_view key) {
  while (!element.empty()) {
    std::size_t semicolon = element.find(';');
    std::string_view pair = trim(element.substr(0, semicolon));
    element = semicolon == std::string_view::npos ? std::string_view() : element.substr(semicolon + 1);
    std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos || !iequals(trim(pair.substr(0, eq)), key)) continue;
    std::string_view value = trim(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    return value;
  }
  return {};
}

// "1.2.3.4", "1.2.3.4:80", "[::1]:80", "::1": the address and the port (0 when none).
std::pair<std::string_view, std::uint16_t> host_and_port(std::string_view node) {
  std::string_view port_text;
  if (node.starts_with('[')) {
    std::size_t close = node.find(']');
    if (close != std::string_view::npos && node.substr(close + 1).starts_with(':')) port_text = node.substr(close + 2);
    node = node.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1);
  } else if (std::count(node.begin(), node.end(), ':') == 1) {
    port_text = node.substr(node.find(':') + 1);
    node = node.substr(0, node.find(':'));
  }
  std::uint16_t port = 0;
  std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  return {node, port};
}

}  // namespace

bool has_forwarding(const header_list& headers) noexcept {
  return std::any_of(headers.begin(), headers.end(), [](const header& h) {
    return iequals(h.name, "X-Forwarded-For") || iequals(h.name, "X-Forwarded-Proto") || iequals(h.name, "Forwarded");
  });
}

std::optional<trusted_peers> trusted_peers::parse(std::string_view text, std::string& bad) {
  trusted_peers out;
  while (!text.empty()) {
    std::size_t comma = text.find(',');
    std::string_view item = trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (item.empty()) continue;
    if (item == "*") {
      out.everyone = true;
    } else if (item == "unix") {
      out.unix_peers = true;
    } else if (auto n = network::parse(item)) {
      out.networks.push_back(*n);
    } else {
      bad = item;
      return std::nullopt;
    }
  }
  return out;
}

bool trusted_peers::trusts(std::string_view address) const {
  if (everyone) return true;
  return std::any_of(networks.begin(), networks.end(), [&](const network& n) { return n.contains(address); });
}

std::string trusted_peers::to_string() const {
  std::string text = everyone ? "*" : "";
  if (unix_peers) text += (text.empty() ? "" : ",") + std::string("unix");
  for (const auto& n : networks) text += (text.empty() ? "" : ",") + n.to_string();
  return text;
}

std::optional<network> network::parse(std::string_view text) {
  std::size_t slash = text.find('/');
  auto bytes = address_bytes(text.substr(0, slash));
  if (!bytes) return std::nullopt;
  const bool v4 = text.substr(0, slash).find(':') == std::string_view::npos;
  network n{*bytes, 128};
  if (slash != std::string_view::npos) {
    std::string_view length = text.substr(slash + 1);
    int bits = -1;
    auto [end, ec] = std::from_chars(length.data(), length.data() + length.size(), bits);
    if (ec != std::errc{} || end != length.data() + length.size() || bits < 0 || bits > (v4 ? 32 : 128))
      return std::nullopt;
    n.prefix = v4 ? bits + 96 : bits;
  }
  return n;
}

bool network::contains(std::string_view address) const {
  auto other = address_bytes(address);
  if (!other) return false;
  int full = prefix / 8, rest = prefix % 8;
  if (std::memcmp(bytes.data(), other->data(), std::size_t(full)) != 0) return false;
  if (rest == 0) return true;
  unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (bytes[std::size_t(full)] & mask) == ((*other)[std::size_t(full)] & mask);
}

std::string network::to_string() const {
  static constexpr unsigned char v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  const bool v4 = std::memcmp(bytes.data(), v4_mapped, sizeof v4_mapped) == 0 && prefix >= 96;
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(v4 ? AF_INET : AF_INET6, bytes.data() + (v4 ? 12 : 0), text, sizeof text);
  int bits = v4 ? prefix - 96 : prefix;
  return std::string(text) + (bits == (v4 ? 32 : 128) ? "" : "/" + std::to_string(bits));
}

origin forwarded_origin(const header_list& headers, std::string_view peer_host, std::uint16_t peer_port,
                        const trusted_peers& trusted) {
  origin o{std::string(peer_host), peer_port, false};
  std::vector<std::string_view> nodes = list(headers, "X-Forwarded-For"), protos = list(headers, "X-Forwarded-Proto");
  if (nodes.empty() && protos.empty()) {
    for (std::string_view element : list(headers, "Forwarded")) {
      if (auto node = forwarded_pair(element, "for"); !node.empty()) nodes.push_back(node);
      if (auto proto = forwarded_pair(element, "proto"); !proto.empty()) protos.push_back(proto);
    }
  }
  // Rightmost first: the nearest proxy's entry, then the one before it...
  std::size_t client = nodes.size();
  while (client > 0) {
    --client;
    if (client == 0 || !trusted.trusts(host_and_port(nodes[client]).first)) break;
  }
  if (!nodes.empty()) {
    auto [host, port] = host_and_port(nodes[client]);
    o.host = host;
    o.port = port;
  }
  if (!protos.empty()) {
    // The scheme the client used: its own entry when every hop added one.
    std::string_view proto = protos.size() == nodes.size() ? protos[client] : protos.back();
    o.https = iequals(proto, "https");
  }
  return o;
}

}  // namespace snasio::http
