#include "middleware/rate_limit.hpp"

#include <algorithm>
#include <cmath>

namespace snasio::middleware {

unsigned rate_limiter::admit(std::string_view client, clock::time_point now_tp) {
  const double now = std::chrono::duration<double>(now_tp.time_since_epoch()).count();
  const double interval = 1.0 / policy_.per_second;
  auto it = due_.find(std::string(client));
  if (it == due_.end()) {
    // The sweep is linear, so it runs at most once a second, however many newcomers come.
    if (due_.size() >= max_clients_ && now - swept_ >= 1.0) {
      std::erase_if(due_, [now](const auto& e) { return e.second <= now; });
      swept_ = now;
    }
    // Still full: every client remembered is limited right now; newcomers share one allowance.
    it = due_.size() < max_clients_ ? due_.emplace(std::string(client), now).first : due_.try_emplace("", now).first;
  }
  // Allowed while the new due time stays within `burst` intervals of now.
  double next = std::max(it->second, now) + interval;
  double wait = next - policy_.burst * interval - now;
  if (wait > 1e-9) return static_cast<unsigned>(std::max(1.0, std::ceil(wait)));
  it->second = next;
  return 0;
}

}  // namespace snasio::middleware
