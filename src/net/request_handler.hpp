#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>

#include "http/request.hpp"
#include "http/response.hpp"
#include "net/responder.hpp"

namespace snasio::net {

/// A C++ endpoint: runs on the reactor thread and returns its response at once.
using native_handler = std::function<http::response(const http::request&)>;

/// Decides who answers a request: a native route, or an error.
class request_handler {
 public:
  /// Registers a native route for one method and exact path.
  void add_native(std::string method, std::string path, native_handler h);
  /// Answers `req` through `reply`, now or later (reactor thread).
  void handle(http::request&& req, const responder& reply);

 private:
  std::map<std::pair<std::string, std::string>, native_handler, std::less<>> routes_;
};

}  // namespace snasio::net
