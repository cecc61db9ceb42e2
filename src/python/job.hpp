#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/form.hpp"
#include "http/header.hpp"
#include "python/one_shot.hpp"
#include "routing/path_param.hpp"
#include "validation/route_validator.hpp"

namespace snasio::python {

/// One request for a Python route, as plain C++ values: what crosses from
/// the reactor to the GIL thread. No PyObject* ever travels in a job.
struct job final {
  std::uint64_t id = 0;                     ///< unique: names the job in the events that concern it
  std::size_t route = 0;                    ///< the Python route's id (endpoint_table)
  std::string method;
  std::string path;                         ///< percent-decoded
  std::string raw_query;                    ///< still encoded; parsed only if the handler reads it
  std::vector<routing::path_param> params;  ///< converted by the router
  http::header_list headers;
  std::string body;
  http::header_list trailers;               ///< a chunked body's, kept apart from the headers
  /// A form body, split on the reactor. Multipart parts are views into
  /// `body`, whose bytes stay where they are as the job moves (a body that
  /// holds a part is too long to live inside the std::string itself).
  http::form form;
  /// A typed route's checks: its values in plan order, or (when on_request
  /// hooks must run first) the answer that refuses the request. Empty for
  /// any other route. (Held in the job: one allocation fewer a request.)
  std::optional<validation::outcome> checked;
  std::string client_host;
  std::uint16_t client_port = 0;
  bool https = false;                       ///< the scheme is "https", as a trusted proxy says
  std::string request_id;                   ///< X-Request-ID, the client's or the server's
  one_shot answer;                          ///< the answer it owes its connection, exactly once

  /// A job is made on the reactor and released on the thread that ran it,
  /// at the request rate: its allocation is kept for the next job (job.cpp).
  static void* operator new(std::size_t size);
  static void operator delete(void* p) noexcept;
  /// How many released jobs' allocations are kept (at most this many times
  /// sizeof(job), well under a megabyte): as many as a burst has in flight,
  /// mostly; past it they are freed. None under AddressSanitizer, so that a
  /// job used after its release is still caught.
  static constexpr std::size_t boxes_kept =
#if defined(__SANITIZE_ADDRESS__)
      0;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
      0;
#else
      256;
#endif
#else
      256;
#endif
};

/// A job is made once, in its own allocation, and handed on by pointer: from
/// the reactor to a lane and from the lane to the thread that runs it, only
/// the pointer moves, not the job's dozen members.
using job_ptr = std::unique_ptr<job>;

}  // namespace snasio::python
