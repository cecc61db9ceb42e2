#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "http/limits.hpp"
#include "http/multipart.hpp"
#include "http/url.hpp"

namespace snasio::http {

/// A form body, split before its handler runs: an
/// application/x-www-form-urlencoded body into its decoded fields, a
/// multipart/form-data one into its parts.
struct form {
  std::vector<query_pair> fields;  ///< url-encoded: (name, value), values as decoded bytes
  std::vector<form_part> parts;    ///< multipart: views into the body
};

/// Why a form was refused: 400 (malformed) or 413 (more fields or parts
/// than `limits` allow), and a reason a client can read.
struct form_refusal {
  int status = 0;
  std::string reason;
};

/// Splits `body` into `out` when `content_type` names a form; nothing for
/// any other body. False, with `refused` set, for a form that is malformed
/// or over --max-form-fields or --max-form-parts.
bool split_form(std::string_view content_type, std::string_view body, const limits& l, form& out,
                form_refusal& refused);

}  // namespace snasio::http
