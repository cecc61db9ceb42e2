#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/form.hpp"
#include "http/header.hpp"
#include "http/response.hpp"
#include "validation/check.hpp"
#include "validation/schema.hpp"

namespace snasio::validation {

/// One validated value for a typed handler, in plain C++ (the GIL thread
/// makes it a Python object): a parameter, the body, or the files of a field.
/// `body` is JSON too: the request's own body, taken as sent, so not copied
/// into `text` (the job carries the body).
struct value {
  enum class kind : std::uint8_t { missing, null, boolean, integer, number, string, json, body, files };
  kind k = kind::missing;
  bool boolean = false;
  std::int64_t integer = 0;
  double number = 0;
  std::string text;                ///< a string, or JSON text for arrays, objects and big numbers
  std::vector<std::size_t> parts;  ///< files: indices into the form's parts
  bool many = false;               ///< files: every file of the field, not the first
};

/// What a request offers the validator: texts, as the reactor holds them.
struct request_view {
  std::span<const std::pair<std::string_view, std::string_view>> path;  ///< placeholder names and their texts
  std::string_view raw_query;
  const http::header_list& headers;
  std::string_view body;
  const http::form& form;  ///< split already (http::split_form)
};

/// The outcome of validating one request: the values, in the plan's order,
/// or the answer that refuses it (422, 415 or 400, a body ready to send).
struct outcome {
  int status = 0;  ///< 0: valid
  http::media_text content_type;
  std::string body;
  http::header_list headers;  ///< of an answer the server made (405's Allow, 429's Retry-After)
  std::vector<value> values;
};

/// A typed route's validation, compiled once from the plan its handler's
/// signature became (snasio._typing: JSON with a schema per parameter, the
/// body's and the files'), and run on the reactor for each request.
class route_validator {
 public:
  /// Compiles `plan`; throws std::invalid_argument saying what is wrong with it.
  route_validator(std::string_view plan, std::size_t max_json_depth);
  ~route_validator();

  outcome validate(const request_view& request) const;
  /// Whether on_request hooks run before the checks (the plan says so):
  /// a refusal is then answered by the Python side, after them.
  bool after_hooks() const noexcept { return after_hooks_; }
  /// Which value is the JSON body, if the route has one (else npos).
  std::size_t json_body_index() const noexcept;

 private:
  struct param;
  struct file_field;
  struct body_plan;

  dialect dialect_ = dialect::pydantic;
  std::vector<param> params_;
  std::unique_ptr<body_plan> body_;
  std::vector<file_field> files_;
  std::size_t max_json_depth_;
  bool after_hooks_ = false;
  // This route's own limits (0: the server's), tighter than the server's.
  std::size_t max_body_bytes_ = 0, max_header_bytes_ = 0;
  bool own_json_depth_ = false;
};

/// The JSON text of an RFC 9457 problem: type (snasio's URI, ending in
/// `slug`), title, status, detail, and `extra` members (JSON text) if any.
std::string problem(std::string_view slug, std::string_view title, int status, std::string_view detail,
                    std::string_view extra = {});

/// The 422 problem listing `errors`.
std::string validation_problem(const std::vector<error>& errors);

}  // namespace snasio::validation
