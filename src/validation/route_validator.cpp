#include "validation/route_validator.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <list>
#include <memory_resource>
#include <stdexcept>

#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "http/cookie.hpp"
#include "http/media_type.hpp"
#include "http/url.hpp"
#include "validation/form_object.hpp"
#include "validation/json_walk.hpp"
#include "validation/upload_checks.hpp"

namespace snasio::validation {

namespace {

const rapidjson::Value& member(const rapidjson::Value& v, const char* name) {
  static const rapidjson::Value none;
  if (!v.IsObject()) return none;
  auto m = v.FindMember(name);
  return m == v.MemberEnd() ? none : m->value;
}

std::string text_of(const rapidjson::Value& v, const char* name) {
  const auto& m = member(v, name);
  return m.IsString() ? std::string(m.GetString(), m.GetStringLength()) : std::string();
}

// What a value checked became, written into `out`: a plain value, or JSON text.
void keep(const rapidjson::Value& v, value& out) {
  if (v.IsNull()) out.k = value::kind::null;
  else if (v.IsBool()) out.k = value::kind::boolean, out.boolean = v.GetBool();
  else if (v.IsInt64()) out.k = value::kind::integer, out.integer = v.GetInt64();
  else if (v.IsDouble()) out.k = value::kind::number, out.number = v.GetDouble();
  else if (v.IsString()) out.k = value::kind::string, out.text.assign(v.GetString(), v.GetStringLength());
  else out.k = value::kind::json, out.text = json_text(v);
}

std::string refusal(std::string_view message) { return "{\"error\":" + quoted(message) + "}"; }

}  // namespace

struct route_validator::param {
  enum class where { path, query, header, cookie } in;
  std::string source;  // its errors' first step: "path", "query", "headers" or "cookie"
  std::string key;     // a header's in lower case: matched, and reported, so
  bool required = true;
  bool many = false;
  std::unique_ptr<validation::schema> schema;
};

struct route_validator::file_field {
  std::string key;
  bool required = true;
  bool many = false;
  std::vector<std::string> content_types;
  bool magic = false;
};

struct route_validator::body_plan {
  std::string media;  // "json" or "form"
  bool required = true;
  std::unique_ptr<validation::schema> schema;
};

route_validator::~route_validator() = default;

route_validator::route_validator(std::string_view plan_text, std::size_t max_json_depth)
    : max_json_depth_(max_json_depth) {
  rapidjson::Document plan;
  plan.Parse(plan_text.data(), plan_text.size());
  if (plan.HasParseError() || !plan.IsObject()) throw std::invalid_argument("the validation plan is not a JSON object");
  dialect_ = text_of(plan, "dialect") == "json_schema" ? dialect::json_schema : dialect::pydantic;
  after_hooks_ = member(plan, "after_hooks").IsTrue();
  const auto& limits = member(plan, "limits");
  auto limit = [&](const char* name) {
    const auto& v = member(limits, name);
    return v.IsUint64() ? std::size_t(v.GetUint64()) : 0;
  };
  max_body_bytes_ = limit("max_body_bytes");
  max_header_bytes_ = limit("max_header_bytes");
  if (std::size_t depth = limit("max_json_depth")) max_json_depth_ = depth, own_json_depth_ = true;
  auto schema_of = [](const rapidjson::Value& v) {
    const auto& s = member(v, "schema");
    return std::make_unique<validation::schema>(s.IsNull() ? rapidjson::Value(rapidjson::kObjectType).Move() : s);
  };
  if (const auto& params = member(plan, "params"); params.IsArray())
    for (const auto& p : params.GetArray()) {
      using where = param::where;
      std::string in = text_of(p, "in"), key = text_of(p, "key");
      where w = in == "path" ? where::path : in == "query" ? where::query : in == "header" ? where::header : where::cookie;
      if (w == where::header)
        for (char& c : key) c = char(std::tolower(static_cast<unsigned char>(c)));
      params_.push_back({w, w == where::header ? "headers" : in, std::move(key), member(p, "required").IsTrue(),
                         member(p, "many").IsTrue(), schema_of(p)});
    }
  if (const auto& body = member(plan, "body"); body.IsObject())
    body_ = std::make_unique<body_plan>(body_plan{text_of(body, "media"), member(body, "required").IsTrue(), schema_of(body)});
  if (const auto& files = member(plan, "files"); files.IsArray())
    for (const auto& f : files.GetArray()) {
      file_field field{text_of(f, "key"), member(f, "required").IsTrue(), member(f, "many").IsTrue(), {},
                       member(f, "magic").IsTrue()};
      if (const auto& types = member(f, "content_types"); types.IsArray())
        for (const auto& t : types.GetArray()) field.content_types.emplace_back(t.GetString());
      files_.push_back(std::move(field));
    }
}

std::size_t route_validator::json_body_index() const noexcept {
  return body_ && body_->media == "json" ? params_.size() : std::size_t(-1);
}

outcome route_validator::validate(const request_view& r) const {
  outcome out;
  // The route's own limits first: past them nothing else is looked at.
  std::size_t header_bytes = 0;
  for (const auto& h : r.headers) header_bytes += h.name.size() + h.value.size() + 4;  // "name: value\r\n"
  if (max_header_bytes_ && header_bytes > max_header_bytes_) {
    out.status = 431;
    out.content_type = "application/json";
    out.body = R"({"error":"Request Header Fields Too Large","message":"Request headers exceed maximum allowed size of )" +
               std::to_string(max_header_bytes_) + R"( bytes"})";
    return out;
  }
  if (max_body_bytes_ && r.body.size() > max_body_bytes_) {
    out.status = 413;
    out.content_type = "application/json";
    out.body = R"({"error":"Payload Too Large","message":"Request body size exceeds maximum allowed size of )" +
               std::to_string(max_body_bytes_) + R"( bytes"})";
    return out;
  }
  out.values.reserve(params_.size() + (body_ ? 1 : 0) + files_.size());  // one allocation, none moved
  std::vector<error> errors;
  // The values made while checking live in a pool that starts on the stack:
  // most requests never take memory from the heap for them.
  alignas(8) char scratch_room[1024];
  rapidjson::MemoryPoolAllocator<> scratch(scratch_room, sizeof scratch_room);
  checker check(dialect_, scratch, errors);
  // One parameter's texts, in room on the stack: views into the request (a
  // query read where it lies), or into `decoded` (its texts with escapes) or `cookie`.
  alignas(std::string_view) std::byte texts_room[16 * sizeof(std::string_view)];
  std::pmr::monotonic_buffer_resource texts_pool(texts_room, sizeof texts_room);
  std::pmr::vector<std::string_view> texts(&texts_pool);
  std::list<std::string> decoded;  // (a list: a text's place never moves)
  std::string cookie;
  for (const param& p : params_) {
    using where = param::where;
    texts.clear();
    if (p.in == where::path) {
      for (const auto& [name, text] : r.path)
        if (name == p.key) texts.push_back(text);
    } else if (p.in == where::query) {
      std::string_view rest = r.raw_query, name, text;
      while (http::next_query_pair(rest, name, text))
        if (http::plain_query_component(name) ? name == p.key : http::decode_query_component(name) == p.key)
          texts.push_back(http::plain_query_component(text) ? text
                                                            : decoded.emplace_back(http::decode_query_component(text)));
    } else if (p.in == where::header) {
      for (const auto& h : r.headers)
        if (http::iequals(h.name, p.key)) texts.push_back(h.value);
    } else {
      for (const auto& h : r.headers)
        if (http::iequals(h.name, "Cookie"))
          for (auto& [name, text] : http::cookie_pairs(h.value))
            if (name == p.key && texts.empty()) texts.push_back(cookie = std::move(text));
    }
    const place source{nullptr, p.source}, at{&source, p.key};
    if (texts.empty()) {
      if (p.required) check.missing(at);
      out.values.emplace_back();
      continue;
    }
    std::size_t before = errors.size();
    if (p.many) {
      rapidjson::Value items(rapidjson::kArrayType);
      const std::string& separator = p.schema->root().separator;
      for (std::string_view rest : texts) {  // each text split at the separator, if the schema has one
        std::size_t cut;
        while (!separator.empty() && (cut = rest.find(separator)) != std::string_view::npos) {
          items.PushBack(rapidjson::Value(rest.data(), rapidjson::SizeType(cut), scratch), scratch);
          rest.remove_prefix(cut + separator.size());
        }
        items.PushBack(rapidjson::Value(rest.data(), rapidjson::SizeType(rest.size()), scratch), scratch);
      }
      check.check(p.schema->root(), items, at, true);
      keep(items, out.values.emplace_back());
    } else {
      // A repeated query parameter: the last wins; a header or cookie: the first.
      const std::string_view& text = p.in == where::query ? texts.back() : texts.front();
      rapidjson::Value v(text.data(), rapidjson::SizeType(text.size()), scratch);
      check.check(p.schema->root(), v, at, true, dialect_ == dialect::pydantic ? &text : nullptr);
      keep(v, out.values.emplace_back());
    }
    if (errors.size() > before) out.values.back() = value{};
  }

  if (body_) {
    const place body_at{nullptr, "body"};
    std::string_view content_type = http::find_header(r.headers, "Content-Type");
    std::string media = http::media_type(content_type);
    value body;
    if (body_->media == "json") {
      if (!content_type.empty() && !http::is_json_media_type(content_type)) {
        out.status = 415;
        out.body = problem("unsupported-media-type", "Unsupported Media Type", 415, "Unsupported media type");
      } else if (auto charset = http::parameter(content_type, "charset");
                 charset && !http::iequals(*charset, "utf-8") && !http::iequals(*charset, "utf8")) {
        out.status = 415;
        out.body = problem("unsupported-charset", "Unsupported Charset", 415,
                           "Unsupported charset '" + *charset + "' for JSON. Only UTF-8 is supported.");
      } else if (r.body.empty()) {
        if (body_->required) check.missing(body_at);
      } else if (const void* nul = std::memchr(r.body.data(), '\0', r.body.size())) {
        // RapidJSON reads a NUL as the end of its input: what follows one would go unread.
        out.status = 400;
        out.body = refusal("invalid JSON at offset " + std::to_string(static_cast<const char*>(nul) - r.body.data()) +
                           ": a NUL byte");
      } else {
        // Parsed from a copy, in place (strings are unescaped where they
        // are), and no deeper than the bound (json_walk.hpp); most bodies
        // pass as sent, seen in one pass without a document.
        alignas(8) char doc_room[8192];  // a body of a few KB is parsed without a chunk from the heap
        rapidjson::MemoryPoolAllocator<> doc_pool(doc_room, sizeof doc_room);
        rapidjson::Document doc(&doc_pool);
        char* text = static_cast<char*>(doc_pool.Malloc(r.body.size() + 1));
        auto copy = [&] { std::memcpy(text, r.body.data(), r.body.size()), text[r.body.size()] = '\0'; };
        copy();
        const bool as_sent = passes_as_sent(text, body_->schema->root(), dialect_, max_json_depth_);
        if (!as_sent) copy();
        const parse_outcome parsed = as_sent ? parse_outcome{} : parse_bounded(text, doc, max_json_depth_);
        bool merged = false;
        if (parsed.too_deep) {
          out.status = 400;
          out.body = refusal(own_json_depth_ ? "Request body exceeds maximum nesting depth of " + std::to_string(max_json_depth_)
                                             : "JSON nested deeper than " + std::to_string(max_json_depth_) + " levels");
        } else if (parsed.error != rapidjson::kParseErrorNone) {
          out.status = 400;
          out.body = refusal("invalid JSON at offset " + std::to_string(parsed.offset) + ": " +
                             rapidjson::GetParseError_En(parsed.error));
        } else if (!parsed.finite) {
          out.status = 400;
          out.body = refusal("a number in the JSON body is too large for a double");
        } else if (as_sent) {
          body.k = value::kind::body;
        } else {
          merged = merge_twins(doc, doc.GetAllocator());
          std::size_t before = errors.size(), coerced = check.coercions();
          check.check(body_->schema->root(), doc, body_at, false);
          // A body the checks left as it came is handed on as its own text:
          // written again from the DOM, an integer beyond 64 bits would become a double.
          if (errors.size() == before && !merged && check.coercions() == coerced && (doc.IsObject() || doc.IsArray()))
            body.k = value::kind::body;
          else if (errors.size() == before)
            keep(doc, body);
        }
      }
    } else if (media != "application/x-www-form-urlencoded" && media != "multipart/form-data" && !content_type.empty()) {
      out.status = 415;
      out.body = problem("unsupported-media-type", "Unsupported Media Type", 415, "Unsupported media type");
    } else {
      rapidjson::Value object(rapidjson::kObjectType);
      std::string holes = form_object(r.form, body_->schema->root(), object, scratch);
      if (!holes.empty()) {
        out.status = 400;
        out.body = refusal(holes);
      }
      if (out.status == 0) {
        std::size_t before = errors.size();
        check.check(body_->schema->root(), object, body_at, true);
        if (errors.size() == before) keep(object, body);
      }
    }
    out.values.push_back(std::move(body));
  }

  for (const file_field& f : files_) {
    value files;
    files.k = value::kind::files;
    files.many = f.many;
    for (std::size_t i = 0; i < r.form.parts.size(); ++i)
      if (r.form.parts[i].filename && r.form.parts[i].name == f.key) files.parts.push_back(i);
    const place source{nullptr, "files"}, at{&source, f.key};
    if (files.parts.empty()) {
      std::string_view type = http::find_header(r.headers, "Content-Type");
      if (http::media_type(type) == "multipart/form-data" && !http::parameter(type, "boundary") && out.status == 0) {
        out.status = 400;
        out.body = refusal("multipart/form-data requires 'boundary' parameter");
      }
      if (f.required) check.missing(at);
      out.values.push_back(value{});
      continue;
    }
    std::size_t before = errors.size();
    for (std::size_t i : files.parts)
      if (auto e = upload_error(r.form.parts[i], f.content_types, f.magic, loc_of(&at))) errors.push_back(std::move(*e));
    out.values.push_back(errors.size() > before ? value{} : std::move(files));
  }

  if (out.status == 0 && !errors.empty()) {
    out.status = 422;
    out.body = validation_problem(errors);
  }
  if (out.status != 0) {
    if (out.content_type.empty())
      out.content_type =
          out.body.starts_with("{\"type\"") ? http::media_text("application/problem+json") : "application/json";
    out.values.clear();
  }
  return out;
}

}  // namespace snasio::validation
