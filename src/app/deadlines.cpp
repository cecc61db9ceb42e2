#include "app/deadlines.hpp"

#include "log/log.hpp"

namespace snasio::app {

void deadlines::add(std::chrono::milliseconds after, const net::responder& to, net::listening listener,
                    std::string what) {
  due_.push({clock::now() + after, to, listener, std::move(what)});
  arm();
}

void deadlines::arm() {
  // Moved only earlier: a timer that fires early finds nothing due and waits again.
  if (due_.empty() || due_.top().at >= armed_for_) return;
  armed_for_ = due_.top().at;
  timer_.expires_at(armed_for_);
  timer_.async_wait([this](const asio::error_code& ec) {
    if (ec) return;
    armed_for_ = clock::time_point::max();
    fire();
  });
}

void deadlines::fire() {
  auto now = clock::now();
  while (!due_.empty() && due_.top().at <= now) {
    const entry& e = due_.top();
    if (e.to.owed()) {
      e.to.send(http::response::error(408, "the handler did not answer in time"));
      if (e.listener.by) e.listener.by->abandoned(e.listener.tag);
      log::line(log::level::warning, e.what);
    }
    due_.pop();
  }
  arm();
}

}  // namespace snasio::app
