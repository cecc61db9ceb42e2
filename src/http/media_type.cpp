#include "http/media_type.hpp"

#include "http/header.hpp"

namespace snasio::http {

bool is_json_media_type(std::string_view content_type) noexcept {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
  if (iequals(media, "application/json")) return true;
  return media.size() > 5 && iequals(media.substr(media.size() - 5), "+json");
}

}  // namespace snasio::http
