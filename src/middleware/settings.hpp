#pragma once

#include <chrono>
#include <cstddef>
#include <vector>

#include "http/encoding.hpp"
#include "middleware/cors.hpp"
#include "middleware/rate_limit.hpp"
#include "middleware/static_files.hpp"

namespace snasio::middleware {

/// What the server decides on the reactor around the routes, as configured
/// (the --cors-*, --compress*, --static, --rate-limit* and --request-timeout
/// flags, or the App's cors(), compression(), static() and rate_limit()).
struct settings {
  cors_policy cors;
  http::compression_policy compression;
  rate_policy rate;                          ///< for every request (routes may add their own)
  std::size_t rate_limit_clients = 100'000;  ///< addresses remembered per limiter
  std::vector<static_mount> statics;
  std::chrono::milliseconds request_timeout{0};  ///< a handler's deadline (0: none; routes may set their own)
};

}  // namespace snasio::middleware
