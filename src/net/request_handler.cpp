#include "net/request_handler.hpp"

#include <iostream>

#include "http/url.hpp"
#include "python/runtime.hpp"

namespace snasio::net {

namespace {
// How long a client refused with 503 (queue full) is told to wait.
constexpr std::string_view retry_after_seconds = "1";
}  // namespace

void request_handler::add_native(std::vector<std::string> methods, std::string_view pattern, native_handler h) {
  router_.add(std::move(methods), pattern, targets_.size());
  targets_.push_back({std::move(h), 0});
}

void request_handler::add_python(python::runtime& py) {
  python_ = &py;
  const auto& routes = py.routes();
  for (std::size_t i = 0; i < routes.size(); ++i) {
    router_.add(routes[i].methods, routes[i].pattern, targets_.size());
    targets_.push_back({nullptr, i});
  }
}

void request_handler::handle(http::request&& req, const responder& reply) {
  // Routes match the percent-decoded path, as WSGI's PATH_INFO is decoded.
  auto path = http::percent_decode_path(req.raw_path());
  if (!path) return reply.send(http::response::error(400, "malformed percent-escape in path"));
  auto m = router_.match(req.method, *path);
  using outcome = routing::match_result::outcome;
  switch (m.what) {
    case outcome::not_found:
      return reply.send(http::response::error(404, "not found"));
    case outcome::method_not_allowed: {
      auto r = http::response::error(405, "method not allowed");
      r.headers.push_back({"Allow", m.allow});
      return reply.send(std::move(r));
    }
    case outcome::options:
      return reply.send(http::response{204, "", {{"Allow", m.allow}}, ""});
    case outcome::redirect: {
      // The rule ends in '/': send the client to that form, query kept.
      // The raw path keeps its escapes (%2F must stay one segment). Leading
      // slashes are folded to one: "//host/" would send the client off-site.
      std::string_view raw = req.raw_path();
      while (raw.size() > 1 && raw[1] == '/') raw.remove_prefix(1);
      std::string location = std::string(raw) + "/";
      if (auto q = req.raw_query(); !q.empty() || req.target.find('?') != std::string::npos) location += "?" + std::string(q);
      auto r = http::response::error(308, "moved permanently");
      r.headers.push_back({"Location", std::move(location)});
      return reply.send(std::move(r));
    }
    case outcome::found:
      break;
  }
  const target& t = targets_[m.target];
  if (t.native) return reply.send(call_native(t.native, req, m.params));
  to_python(t.python_route, std::move(req), std::move(*path), std::move(m.params), reply);
}

http::response request_handler::call_native(const native_handler& h, const http::request& req,
                                            const path_params& params) {
  // A native handler runs on the reactor thread: an exception escaping it
  // would unwind through Asio and stop the whole server, so it ends here.
  try {
    return h(req, params);
  } catch (const std::exception& e) {
    std::cerr << "snasio: error in " << req.method << " " << req.target << " (native): " << e.what() << "\n";
  } catch (...) {
    std::cerr << "snasio: error in " << req.method << " " << req.target << " (native): unknown exception\n";
  }
  return http::response::error(500, "internal server error");
}

void request_handler::to_python(std::size_t route, http::request&& req, std::string path, path_params params,
                                const responder& reply) {
  python::job j;
  j.id = next_job_id_++;
  j.endpoint = route;
  j.raw_query = req.raw_query();
  j.method = std::move(req.method);
  j.path = std::move(path);
  j.params = std::move(params);
  j.headers = std::move(req.headers);
  j.body = std::move(req.body);
  j.client_host = std::move(req.client_host);
  j.client_port = req.client_port;
  j.reply = python::one_shot(reply, python_->replies());
  const std::uint64_t j_id = j.id;
  if (python_->submit(j)) return reply.on_abandon(j_id);
  // The queue is full: refuse at once rather than wait; the reactor goes on.
  (void)j.reply.take({});
  auto r = http::response::error(503, "server busy, retry later");
  r.headers.push_back({"Retry-After", std::string(retry_after_seconds)});
  reply.send(std::move(r));
}

void request_handler::abandon(std::uint64_t tag) {
  if (python_) python_->cancel(tag);
}

std::vector<std::string> request_handler::route_table() const {
  std::vector<std::string> lines;
  for (const auto& info : router_.routes()) {
    std::string methods;
    for (const auto& m : info.methods) methods += (methods.empty() ? "" : ",") + m;
    std::string line = methods + " " + info.pattern + " -> ";
    const target& t = targets_[info.target];
    if (t.native) {
      line += "native";
    } else {
      const auto& r = python_->routes()[t.python_route];
      line += r.name;
      if (r.is_async) line += " [async]";
      if (r.use_pool) line += " [pool]";
      if (r.blocking) line += " [blocking]";
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace snasio::net
