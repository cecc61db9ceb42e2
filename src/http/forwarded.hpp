#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/header.hpp"

namespace snasio::http {

/// A block of addresses, "10.0.0.0/8" or "::1" (one address): the peers
/// whose forwarding headers are believed (--forwarded-allow-ips).
struct network {
  std::array<unsigned char, 16> bytes{};  ///< IPv4 as IPv4-mapped IPv6
  int prefix = 128;

  /// "ADDRESS" or "ADDRESS/LENGTH", IPv4 or IPv6; nullopt for anything else.
  static std::optional<network> parse(std::string_view text);
  /// Whether `address` (as text) is in the block; false if it is no address.
  bool contains(std::string_view address) const;
  /// The block as parse() reads it: "10.0.0.0/8", "::1".
  std::string to_string() const;
};

/// The peers whose forwarding headers are believed (--forwarded-allow-ips):
/// blocks of addresses; "unix" for peers on a Unix socket, which have no
/// address; "*" for every peer.
struct trusted_peers {
  std::vector<network> networks;
  bool unix_peers = false;
  bool everyone = false;

  /// Comma-separated items of the flag; nullopt with `bad` set to the item
  /// that is none of the above.
  static std::optional<trusted_peers> parse(std::string_view text, std::string& bad);
  /// Whether the peer (or proxy hop) at `address` is trusted; false if it is no address.
  bool trusts(std::string_view address) const;
  /// The flag's value, as parse() reads it.
  std::string to_string() const;
};

/// Where a request came from and by which scheme, as seen by the client.
struct origin {
  std::string host;
  std::uint16_t port = 0;
  bool https = false;  ///< the scheme: "https" when true, else "http"
};

/// Whether a request carries any forwarding header (X-Forwarded-For,
/// X-Forwarded-Proto, Forwarded): without one, its origin is its peer.
bool has_forwarding(const header_list& headers) noexcept;

/// The origin of a request from a trusted peer: the client is the rightmost
/// address of X-Forwarded-For (else of Forwarded's for=) that is not itself
/// trusted, as every proxy appends the address it saw and only the leftmost
/// entries can be forged; the scheme is X-Forwarded-Proto's (else
/// Forwarded's proto=), "http" or "https". Without such headers, the peer.
origin forwarded_origin(const header_list& headers, std::string_view peer_host, std::uint16_t peer_port,
                        const trusted_peers& trusted);

}  // namespace snasio::http
