// Rough speed of the JSON conversions, on the payload of a typical small API
// reply. Hidden from the normal run: `python_test "[benchmark]"` runs it.
#include "python/json_convert.hpp"

#include <catch2/catch.hpp>

#include <string>

using snasio::python::json_to_python;
using snasio::python::py_ref;
using snasio::python::python_to_json;

TEST_CASE("json_convert speed", "[.][benchmark]") {
  const std::string text = R"({"message":"Hello","n":1})";
  std::string error;
  py_ref object = json_to_python(text, error);
  REQUIRE(object);
  std::string out;
  out.reserve(256);  // as a response buffer would be: measure the conversion, not growth

  BENCHMARK("json_to_python small dict") { return json_to_python(text, error); };
  BENCHMARK("python_to_json small dict") {
    out.clear();
    return python_to_json(object.get(), out, error);
  };
  BENCHMARK("round trip small dict") {
    out.clear();
    py_ref parsed = json_to_python(text, error);
    return python_to_json(parsed.get(), out, error);
  };
}
