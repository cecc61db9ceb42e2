#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

namespace snasio::middleware {

/// A rate per client address: `per_second` on average, up to `burst` at once.
struct rate_policy {
  double per_second = 0;  ///< 0: no limit
  double burst = 1;
  bool enabled() const noexcept { return per_second > 0; }
};

/// GCRA (the generic cell rate algorithm) per client: one number per client,
/// the theoretical time its next request is due. Memory is bounded: at most
/// `max_clients` are remembered. When the table is full, the clients whose
/// state has run out (due in the past: as good as new) are dropped, at most
/// once a second; if every
/// one is still limited, a new client shares one overflow allowance with
/// every other newcomer until room frees up, so an address flood cannot grow
/// the table or escape the limit.
class rate_limiter {
 public:
  using clock = std::chrono::steady_clock;
  rate_limiter(rate_policy p, std::size_t max_clients) : policy_(p), max_clients_(max_clients) {}
  rate_limiter(const rate_limiter&) = delete;
  rate_limiter& operator=(const rate_limiter&) = delete;

  /// 0 when the client's request may go on; otherwise the whole seconds
  /// after which it would be allowed (for Retry-After, at least 1).
  unsigned admit(std::string_view client, clock::time_point now);
  std::size_t clients() const noexcept { return due_.size(); }

 private:
  rate_policy policy_;
  std::size_t max_clients_;
  std::unordered_map<std::string, double> due_;  // client -> when its next request is due (seconds)
  double swept_ = -1e9;                          // when the table was last swept
};

}  // namespace snasio::middleware
