#pragma once

#include <string>

#include <rapidjson/document.h>

#include "http/form.hpp"
#include "validation/schema.hpp"

namespace snasio::validation {

/// A form's fields (url-encoded, or a multipart body's parts without a
/// filename) as one JSON object of strings, to check against `schema`: a
/// property the schema makes an array takes every value of its name
/// (repeated, "name[]", or "name[0]", "name[1]"...), another the last.
/// Returns why the form is malformed (indices with a hole), or "".
std::string form_object(const http::form& form, const node& schema, rapidjson::Value& out,
                        rapidjson::Document::AllocatorType& a);

}  // namespace snasio::validation
