#include "net/request_handler.hpp"

namespace snasio::net {

void request_handler::add_native(std::string method, std::string path, native_handler h) {
  routes_[{std::move(method), std::move(path)}] = std::move(h);
}

void request_handler::handle(http::request&& req, const responder& reply) {
  std::string method = req.method == "HEAD" ? "GET" : req.method;
  auto it = routes_.find(std::pair{method, std::string(req.raw_path())});
  if (it == routes_.end()) return reply.send(http::response::error(404, "not found"));
  reply.send(it->second(req));
}

}  // namespace snasio::net
