// The one-pass check of a JSON body that its schema takes as it is sent
// (json_walk.hpp): RapidJSON's reader calls the checks as it reads, no
// document is built, and anything out of the ordinary leaves the answer to
// the document and its checks (which word the errors).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include <rapidjson/reader.h>

#include "validation/check.hpp"
#include "validation/json_walk.hpp"

namespace snasio::validation {

namespace {

// Containers nested deeper than this are left to the document.
constexpr std::size_t max_nesting = 32;

// Each handler returns false to stop the reader: the body is then not shown
// to pass, whatever it is. `expected` is the node the next value must meet
// (nullptr: a value nothing judges, such as an extra member).
struct pass_handler {
  struct open {
    const node* n;        // the container's node (nullptr: unchecked)
    bool is_array;
    std::uint64_t seen;   // an object's declared properties met, by index
    std::uint64_t names;  // a bit per member's name met (name_bit): twins show there
  };
  pass_handler(dialect how, std::size_t max_depth, const node& root) : how(how), max_depth(max_depth), expected(&root) {}

  dialect how;
  std::size_t max_depth;
  const node* expected;
  std::array<open, max_nesting> opened;  // (filled as containers open: not cleared first)
  std::size_t depth = 0;

  // A scalar where `expected` says what it must be.
  bool scalar(rapidjson::Value&& v) {
    if (depth == 0 || depth >= max_depth) return false;  // a lone scalar is handed on converted; too deep, refused
    if (!expected || checker::fits_as_is(*expected, v)) return true;
    // The full check, on this value alone: an error, or a value it would convert, is not "as sent".
    alignas(8) char room[512];
    rapidjson::MemoryPoolAllocator<> pool(room, sizeof room);
    std::vector<error> errors;
    checker c(how, pool, errors);
    c.check(*expected, v, place{nullptr, "body"}, false);
    return errors.empty() && c.coercions() == 0;
  }
  // A container met where `expected` says what it must be: only a node that
  // asks no more of it than its members' or items' own checks.
  bool start(unsigned type) {
    const node* n = expected;
    if (depth >= std::min(max_depth, max_nesting)) return false;
    if (n && ((n->types && !(n->types & type)) || n->judges_value || n->properties.size() > 64 ||
              !n->required_undeclared.empty() || !n->dependencies.empty() || n->unique_items))
      return false;
    opened[depth++] = {n, type == array, 0, 0};
    expected = n && type == array ? n->items : nullptr;
    return true;
  }
  bool end(std::size_t count) {
    const open closed = opened[--depth];
    // What the enclosing container expects next: an array's items' node again, or (an object's) a key first.
    expected = depth > 0 && opened[depth - 1].is_array && opened[depth - 1].n ? opened[depth - 1].n->items : nullptr;
    const node* n = closed.n;
    if (!n) return true;
    if (closed.is_array) return !(n->min_items && count < *n->min_items) && !(n->max_items && count > *n->max_items);
    return !(n->min_properties && count < *n->min_properties) && !(n->max_properties && count > *n->max_properties) &&
           (closed.seen & n->required_bits) == n->required_bits;
  }

  bool Null() { return scalar(rapidjson::Value()); }
  bool Bool(bool b) { return scalar(rapidjson::Value(b)); }
  bool Int(int i) { return scalar(rapidjson::Value(i)); }
  bool Uint(unsigned u) { return scalar(rapidjson::Value(u)); }
  bool Int64(std::int64_t i) { return scalar(rapidjson::Value(i)); }
  bool Uint64(std::uint64_t u) { return scalar(rapidjson::Value(u)); }
  bool Double(double d) { return std::isfinite(d) && scalar(rapidjson::Value(d)); }
  bool RawNumber(const char*, rapidjson::SizeType, bool) { return false; }
  bool String(const char* s, rapidjson::SizeType n, bool) { return scalar(rapidjson::Value(rapidjson::StringRef(s, n))); }
  bool StartObject() { return start(object); }
  bool Key(const char* s, rapidjson::SizeType size, bool) {
    open& o = opened[depth - 1];
    const std::string_view name(s, size);
    const unsigned bit = name_bit(name);
    if (o.names & (std::uint64_t(1) << bit)) return false;  // twins, perhaps: the last one counts, as the document shows
    o.names |= std::uint64_t(1) << bit;
    expected = nullptr;
    if (!o.n) return true;
    // The one property with the name's bit, if it is that name; a search where several have the bit.
    std::size_t i = std::string_view::npos;
    if (const auto& at = o.n->property_at_bit; !at.empty() && at[bit] == node::several_properties)
      i = property_index(*o.n, name, 0);
    else if (!at.empty() && at[bit] != node::no_property && o.n->properties[at[bit]].first == name)
      i = at[bit];
    if (i == std::string_view::npos) return o.n->additional_allowed && !o.n->additional;  // an extra nothing judges
    o.seen |= std::uint64_t(1) << i;
    expected = o.n->properties[i].second;
    return true;
  }
  bool EndObject(rapidjson::SizeType members) { return end(members); }
  bool StartArray() { return start(array); }
  bool EndArray(rapidjson::SizeType items) { return end(items); }
};

}  // namespace

bool passes_as_sent(char* text, const node& root, dialect how, std::size_t max_depth) {
  pass_handler handler(how, max_depth, root);
  rapidjson::Reader reader;
  rapidjson::InsituStringStream in(text);
  return !reader.Parse<rapidjson::kParseInsituFlag>(in, handler).IsError();
}

}  // namespace snasio::validation
