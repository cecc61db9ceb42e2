#include "app/dispatcher.hpp"

#include <array>
#include <span>

#include "http/form.hpp"
#include "http/url.hpp"
#include "log/log.hpp"
#include "python/backend.hpp"

namespace snasio::app {

namespace {
// How long a client refused with 503 (queue full) is told to wait.
constexpr std::string_view retry_after_seconds = "1";

// The 308 a rule ending in '/' gives the path without it, query kept.
http::response slash_redirect(const http::request& req) {
  // The raw path keeps its escapes (%2F must stay one segment). Leading
  // slashes are folded to one: "//host/" would send the client off-site.
  std::string_view raw = req.raw_path();
  while (raw.size() > 1 && raw[1] == '/') raw.remove_prefix(1);
  std::string location = std::string(raw) + "/";
  if (auto q = req.raw_query(); !q.empty() || req.target.find('?') != std::string::npos) location += "?" + std::string(q);
  auto r = http::response::error(308, "moved permanently");
  r.headers.push_back({"Location", std::move(location)});
  return r;
}
}  // namespace

http::response dispatcher::too_many(unsigned retry_after) {
  auto r = http::response::error(429, "too many requests");
  r.headers.push_back({"Retry-After", std::to_string(retry_after)});
  return r;
}

void dispatcher::set_middleware(const middleware::settings& s, asio::any_io_executor ex) {
  around_ = s;
  cors_.configure(s.cors);
  for (const auto& m : s.statics) statics_.mount(m);
  if (s.rate.enabled()) rate_ = std::make_unique<middleware::rate_limiter>(s.rate, s.rate_limit_clients);
  pump_ = std::make_unique<file_pump>(ex);
  deadlines_ = std::make_unique<deadlines>(ex);
  // Nothing around the routes: nothing is done per request for it.
  around_active_ = cors_.enabled() || s.compression.enabled() || rate_ || !statics_.empty();
  // One Vary line for both: an answer depends on Origin, on Accept-Encoding.
  if (cors_.enabled() && cors_.varies()) vary_ = "Origin";
  if (s.compression.enabled()) vary_ += vary_.empty() ? "Accept-Encoding" : ", Accept-Encoding";
}

// CORS first, so that every answer after it (a 429, a 404, a handler's 500)
// carries its headers; then the rate limit; then the static mounts.
bool dispatcher::answered_around(http::request& req, const std::string& path, const net::responder& to,
                                 net::listening& later) {
  http::header_list extra;
  if (cors_.enabled()) {
    if (auto r = cors_.decide(req, extra)) {
      later = answer(std::move(*r), req, path, to);
      return true;
    }
  }
  http::coding coding = http::coding::identity;
  if (around_.compression.enabled())
    if (std::string_view accept = req.header("Accept-Encoding"); !accept.empty())
      coding = http::choose_coding(accept, around_.compression);
  if (!extra.empty() || coding != http::coding::identity) to.finish_with(std::move(extra), coding, &around_.compression);
  if (rate_) {
    if (unsigned wait = rate_->admit(req.client_host, middleware::rate_limiter::clock::now())) {
      later = answer(too_many(wait), req, path, to);
      return true;
    }
  }
  if (statics_.empty()) return false;
  auto file = statics_.serve(req, path);
  if (!file) return false;
  // A mount is a native route: its files go as they are; its refusals and
  // redirects are the server's own answers, which the app's hooks may see.
  if (file->fd >= 0) later = pump_->start(std::move(*file), to);
  else if (file->response.status >= 300 && file->response.status != 304) later = answer(std::move(file->response), req, path, to);
  else to.send(std::move(file->response));
  return true;
}

net::listening dispatcher::refused(http::request&& req, http::response r, const net::responder& to) {
  auto path = http::percent_decode_path(req.raw_path());
  return answer(std::move(r), req, path ? std::move(*path) : std::string(req.raw_path()), to);
}

net::listening dispatcher::answer(http::response r, http::request& req, const std::string& path,
                                  const net::responder& to) {
  if (!own_answers_) {
    to.send(std::move(r));
    return {};
  }
  validation::outcome ready{r.status, std::move(r.content_type), std::move(r.body), std::move(r.headers), {}};
  return to_python(*own_answers_, std::move(req), path, {}, to, std::move(ready));
}

void dispatcher::add_native(std::vector<std::string> methods, std::string_view pattern, native_handler h) {
  router_.add(std::move(methods), pattern, targets_.size());
  targets_.push_back({std::move(h), 0});
}

void dispatcher::add_python(python::backend& py) {
  python_ = &py;
  const auto& routes = py.routes();
  for (std::size_t i = 0; i < routes.size(); ++i) {
    middleware::rate_policy rate{routes[i].rate_per_second, routes[i].rate_burst};
    route_rates_.push_back(rate.enabled() ? std::make_unique<middleware::rate_limiter>(rate, around_.rate_limit_clients)
                                          : nullptr);
    if (routes[i].pattern.empty()) {  // no route: where the server's own answers go to meet the app's hooks
      own_answers_ = i;
      continue;
    }
    try {
      router_.add(routes[i].methods, routes[i].pattern, targets_.size());
    } catch (const routing::rule_clash& e) {
      // Say who else serves it: a native route (such as the built-in
      // /health) or another handler.
      const target& earlier = targets_[e.earlier_target];
      std::string other = earlier.native ? "a native route of the server (" + routes[i].pattern + " is built in)"
                                         : routes[earlier.python_route].name;
      throw routing::pattern_error("route " + routes[i].pattern + " of " + routes[i].name + " is already served by " +
                                   other + ": " + e.what());
    } catch (const routing::pattern_error& e) {
      throw routing::pattern_error(std::string(e.what()) + " (handler " + routes[i].name + ")");
    }
    targets_.push_back({nullptr, i});
  }
}

net::listening dispatcher::handle(http::request&& req, const net::responder& to) {
  if (++handled_ == recycle_after_) on_recycle_();
  // Routes match the percent-decoded path, as WSGI's PATH_INFO is decoded.
  auto path = http::percent_decode_path(req.raw_path());
  if (!path) return answer(http::response::error(400, "malformed percent-escape in path"), req, std::string(req.raw_path()), to);
  // A NUL byte names no file and no resource, and cuts a C string short (a
  // path handed on to open(2), say): refused, where werkzeug passes it.
  if (path->find('\0') != std::string::npos)
    return answer(http::response::error(400, "%00 (a NUL byte) in the path"), req, std::string(req.raw_path()), to);
  if (around_active_) {
    net::listening later;
    if (answered_around(req, *path, to, later)) return later;
  }
  auto m = router_.match(req.method, *path);
  using outcome = routing::match_result::outcome;
  switch (m.what) {
    case outcome::found:
      break;
    case outcome::not_found:
      if (!unavailable_.empty()) {
        to.send(http::response::error(500, unavailable_));
        return {};
      }
      return answer(http::response::error(404, "not found"), req, *path, to);
    case outcome::method_not_allowed: {
      auto r = http::response::error(405, "method not allowed");
      r.headers.push_back({"Allow", m.allow});
      return answer(std::move(r), req, *path, to);
    }
    case outcome::options:
      return answer(http::response{204, "", {{"Allow", m.allow}}, ""}, req, *path, to);
    case outcome::redirect:
      return answer(slash_redirect(req), req, *path, to);
  }
  const target& t = targets_[m.target];
  if (!t.native) return to_python(t.python_route, std::move(req), std::move(*path), std::move(m.params), to);
  to.send(call_native(t.native, req, m.params));
  return {};
}

http::response dispatcher::call_native(const native_handler& h, const http::request& req, const path_params& params) {
  // A native handler runs on the reactor thread: an exception escaping it
  // would unwind through Asio and stop the whole server, so it ends here.
  std::string what = "unknown exception";
  try {
    return h(req, params);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
  }
  log::line(log::level::error,
            "error in " + req.method + " " + req.target + " (native) [request " + req.request_id + "]: " + what);
  return http::response::error(500, "internal server error");
}

net::listening dispatcher::to_python(std::size_t route, http::request&& req, std::string path,
                                     path_params params, const net::responder& to,
                                     std::optional<validation::outcome> ready) {
  if (const auto& limiter = route_rates_[route]; limiter && !ready) {
    if (unsigned wait = limiter->admit(req.client_host, middleware::rate_limiter::clock::now()))
      return answer(too_many(wait), req, path, to);
  }
  // A form is split here, on the reactor: a malformed one (400) or one with
  // too many fields (413) never takes a place in the queue or the GIL.
  // (Multipart parts are views into the body: it is split where it stays.)
  http::form form;
  http::form_refusal refused;
  if (!ready && !req.body.empty() && !http::split_form(req.header("Content-Type"), req.body, limits_, form, refused))
    return answer(http::response::error(refused.status, refused.reason), req, path, to);
  // A typed route's parameters and body are checked here too, before the
  // job is made: a request that fails is answered 422 without the GIL
  // (unless on_request hooks must see it first: then the answer travels with the job).
  if (const auto& validator = python_->routes()[route].validator; validator && !ready) {
    std::array<std::pair<std::string_view, std::string_view>, 8> few;  // a route's placeholders, mostly
    std::vector<std::pair<std::string_view, std::string_view>> many;
    if (params.size() > few.size()) many.resize(params.size());
    auto texts = std::span(params.size() > few.size() ? many.data() : few.data(), params.size());
    for (std::size_t i = 0; i < params.size(); ++i) texts[i] = {params[i].name, params[i].text};
    auto& checked = ready.emplace(validator->validate({texts, req.raw_query(), req.headers, req.body, form}));
    if (checked.status != 0 && !validator->after_hooks()) {
      to.send(http::response{checked.status, std::move(checked.content_type), {}, std::move(checked.body)});
      return {};
    }
  }
  // Each member made once, where the job lives from now on (job_ptr; the
  // form's multipart views move with the body, job.hpp says why).
  python::job_ptr j(new python::job{.id = next_job_id_++,
                                    .route = route,
                                    .method = std::move(req.method),
                                    .path = std::move(path),
                                    .raw_query = std::string(req.raw_query()),
                                    .params = std::move(params),
                                    .headers = std::move(req.headers),
                                    .body = std::move(req.body),
                                    .trailers = std::move(req.trailers),
                                    .form = std::move(form),
                                    .checked = std::move(ready),
                                    .client_host = std::move(req.client_host),
                                    .client_port = req.client_port,
                                    .https = req.https,
                                    .request_id = std::move(req.request_id),
                                    .answer = python::one_shot(to, python_->replies())});
  const std::uint64_t job_id = j->id;
  // The Python side hears what becomes of the answer, by job id; a route
  // whose dependencies clean up after the answer hears when it is written.
  const python::python_route& planned = python_->routes()[route];
  auto timeout = planned.timeout.count() > 0 ? planned.timeout : around_.request_timeout;
  std::string late;  // what the log says if the deadline passes (made only under a deadline)
  if (timeout.count() > 0 && deadlines_)
    late = planned.name + " did not answer within " + std::to_string(timeout.count()) + " ms (" +
           (planned.timeout.count() > 0 ? "its timeout=" : "--request-timeout") + "): 408 sent, the handler " +
           (planned.mode == python::execution_mode::async ? "cancelled" : "abandoned (it runs on; its answer is dropped)") +
           " [request " + j->request_id + "]";
  if (python_->submit(j)) {
    net::listening later{python_, job_id, planned.cleanup_after_write};
    if (!late.empty()) deadlines_->add(timeout, to, later, std::move(late));
    return later;
  }
  // The queue is full: refuse at once rather than wait; the reactor goes on.
  j->answer.disarm();
  auto r = http::response::error(503, "server busy, retry later");
  r.headers.push_back({"Retry-After", std::string(retry_after_seconds)});
  to.send(std::move(r));
  report_refusal();
  return {};
}

void dispatcher::report_refusal() {
  if (std::size_t n = refusals_.count())
    log::line(log::level::warning, "Python's queue is full (--queue-depth): refused " + std::to_string(n) +
                                       " request(s) with 503 since the last report");
}

void dispatcher::draining() {
  if (python_) python_->draining();
}

std::vector<std::string> dispatcher::route_table() const {
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
      if (r.mode == python::execution_mode::async) line += " [async]";
      if (r.use_pool) line += " [pool]";
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace snasio::app
