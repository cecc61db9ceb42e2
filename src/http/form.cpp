#include "http/form.hpp"

#include "http/media_type.hpp"

namespace snasio::http {

bool split_form(std::string_view content_type, std::string_view body, const limits& l, form& out,
                form_refusal& refused) {
  if (body.empty()) return true;
  std::string media = media_type(content_type);
  if (media == "application/x-www-form-urlencoded") {
    out.fields = parse_query(body, l.max_form_fields);
    if (out.fields.size() <= l.max_form_fields) return true;
    refused = {413, "the form has more than " + std::to_string(l.max_form_fields) + " fields (--max-form-fields)"};
    return false;
  }
  if (media != "multipart/form-data") return true;
  std::string error;
  if (parse_multipart(body, parameter(content_type, "boundary").value_or(""), out.parts, error, l.max_form_parts))
    return true;
  refused = out.parts.size() > l.max_form_parts
                ? form_refusal{413, "the form has more than " + std::to_string(l.max_form_parts) +
                                        " parts (--max-form-parts)"}
                : form_refusal{400, error};
  return false;
}

}  // namespace snasio::http
