#pragma once

#include <cstddef>
#include <string_view>

#include <rapidjson/document.h>

#include "validation/check.hpp"

namespace snasio::validation {

/// What parsing a JSON body found: the parser's fault (kParseErrorNone when
/// none) and where, whether it stopped at the nesting bound, whether a
/// number overflowed to infinity (JSON cannot express it).
struct parse_outcome {
  rapidjson::ParseErrorCode error = rapidjson::kParseErrorNone;
  std::size_t offset = 0;
  bool too_deep = false, finite = true;
};

/// Parses `text` (NUL-terminated, modified: strings are unescaped where they
/// are, so it must outlive `doc`) into `doc`, refusing values nested more
/// than `max_depth` levels deep (a container's items are a level below it).
/// RapidJSON's parser recurses once a level: stopped at the first value past
/// the bound, neither its stack nor the checks' grows further.
parse_outcome parse_bounded(char* text, rapidjson::Document& doc, std::size_t max_depth);

/// Whether `text` (NUL-terminated, with no NUL inside; modified as
/// parse_bounded modifies it) is a JSON object or array, nested no deeper
/// than `max_depth`, that `root` takes as it is sent: each value of a type
/// its node allows, no constraint failed, nothing to convert, no twin
/// members. Read in one pass, with no document: most typed bodies are such.
/// False says only that this pass cannot tell (a fault, or a schema keyword
/// it leaves to the document's checks): parse_bounded's document and the
/// checker decide, and word the errors.
bool passes_as_sent(char* text, const node& root, dialect how, std::size_t max_depth);

/// Walks `v` (recursively: a body parsed by parse_bounded nests no deeper
/// than its bound) and keeps, of members that share a name, the last value
/// where the first stood: what Python's json module makes of them, and so
/// what the handler gets. True if any were merged.
bool merge_twins(rapidjson::Value& v, rapidjson::Document::AllocatorType& allocator);

}  // namespace snasio::validation
