#include "python/json_convert.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>

using snasio::python::default_max_json_depth;
using snasio::python::json_to_python;
using snasio::python::py_ref;
using snasio::python::python_to_json;

namespace {

// Runs `setup` (statements, may be empty), then evaluates `expression`.
py_ref eval(const char* expression, const char* setup = "") {
  py_ref globals = py_ref::steal(PyDict_New());
  PyDict_SetItemString(globals.get(), "__builtins__", PyEval_GetBuiltins());
  py_ref ran = py_ref::steal(PyRun_String(setup, Py_file_input, globals.get(), globals.get()));
  py_ref value;
  if (ran) value = py_ref::steal(PyRun_String(expression, Py_eval_input, globals.get(), globals.get()));
  if (!value) PyErr_Print();
  REQUIRE(value);
  return value;
}

bool py_equal(PyObject* a, PyObject* b) {
  int equal = PyObject_RichCompareBool(a, b, Py_EQ);
  REQUIRE(equal >= 0);
  return equal == 1;
}

bool same_type(PyObject* a, PyObject* b) { return Py_TYPE(a) == Py_TYPE(b); }

// Parses `text`, which must succeed, leaving no Python exception set.
py_ref parse(std::string_view text, std::size_t max_depth = default_max_json_depth) {
  std::string error;
  py_ref value = json_to_python(text, error, max_depth);
  CHECK(PyErr_Occurred() == nullptr);
  INFO("error: " << error);
  REQUIRE(value);
  CHECK(error.empty());
  return value;
}

// Parses `text`, which must fail; returns the error.
std::string parse_error(std::string_view text, std::size_t max_depth = default_max_json_depth) {
  std::string error;
  py_ref value = json_to_python(text, error, max_depth);
  CHECK(PyErr_Occurred() == nullptr);
  CHECK_FALSE(value);
  return error;
}

// Writes `object`, which must succeed.
std::string dump(PyObject* object, std::size_t max_depth = default_max_json_depth) {
  std::string out, error;
  bool ok = python_to_json(object, out, error, max_depth);
  CHECK(PyErr_Occurred() == nullptr);
  INFO("error: " << error);
  REQUIRE(ok);
  return out;
}

// Writes `object`, which must fail; returns the error.
std::string dump_error(PyObject* object, std::size_t max_depth = default_max_json_depth) {
  std::string out, error;
  CHECK_FALSE(python_to_json(object, out, error, max_depth));
  CHECK(PyErr_Occurred() == nullptr);
  return error;
}

std::string nested_arrays(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

std::uint64_t bits_of(double value) {
  std::uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

}  // namespace

TEST_CASE("a document round-trips through Python objects", "[json]") {
  const char* text = R"({"message":"Hello","n":1,"ok":true,"off":false,"none":null,)"
                     R"("list":[1,2.5,"x",[]],"nested":{"a":{}}})";
  py_ref value = parse(text);
  py_ref expected = eval(R"({"message": "Hello", "n": 1, "ok": True, "off": False, "none": None,)"
                         R"( "list": [1, 2.5, "x", []], "nested": {"a": {}}})");
  CHECK(py_equal(value.get(), expected.get()));
  CHECK(dump(value.get()) == text);
}

TEST_CASE("scalars parse at the top level, with whitespace around", "[json]") {
  CHECK(parse(" null ").get() == Py_None);
  CHECK(parse("true").get() == Py_True);
  CHECK(parse("\tfalse\n").get() == Py_False);
  CHECK(py_equal(parse("-7").get(), eval("-7").get()));
  CHECK(py_equal(parse(R"("s")").get(), eval("'s'").get()));
}

TEST_CASE("integers of any size stay exact", "[json]") {
  for (const char* literal : {"0", "-1", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
                              "-9223372036854775809", "18446744073709551616", "10**100", "-(10**100)"}) {
    INFO(literal);
    py_ref number = eval(literal);
    std::string text = dump(number.get());
    CHECK(text == PyUnicode_AsUTF8(py_ref::steal(PyObject_Str(number.get())).get()));
    py_ref back = parse(text);
    CHECK(PyLong_CheckExact(back.get()));
    CHECK(py_equal(back.get(), number.get()));
  }
  CHECK(dump(eval("2**64").get()) == "18446744073709551616");
  CHECK(dump(eval("-2**63-1").get()) == "-9223372036854775809");
  CHECK(py_equal(parse("-0").get(), eval("0").get()));
}

TEST_CASE("integer subclasses are written with int's own digits", "[json]") {
  const char* setup = "class Weird(int):\n"
                      "    def __str__(self): return 'not a number'\n"
                      "    __repr__ = __str__\n";
  CHECK(dump(eval("[Weird(5), Weird(10**30)]", setup).get()) == "[5,1000000000000000000000000000000]");
}

TEST_CASE("floats parse as Python parses them and write back bit for bit", "[json]") {
  for (const char* literal : {"0.1", "1e308", "5e-324", "-0.0", "1.7976931348623157e308", "2.2250738585072014e-308",
                              "1E5", "1.0", "123456789.123456789", "1e-400", "-1e-400"}) {
    INFO(literal);
    py_ref value = parse(literal);
    REQUIRE(PyFloat_CheckExact(value.get()));
    py_ref expected = py_ref::steal(PyFloat_FromString(eval((std::string("'") + literal + "'").c_str()).get()));
    CHECK(bits_of(PyFloat_AS_DOUBLE(value.get())) == bits_of(PyFloat_AS_DOUBLE(expected.get())));
    py_ref back = parse(dump(value.get()));
    CHECK(bits_of(PyFloat_AS_DOUBLE(back.get())) == bits_of(PyFloat_AS_DOUBLE(value.get())));
  }
  CHECK(dump(eval("0.1").get()) == "0.1");
  CHECK(dump(eval("-0.0").get()) == "-0.0");
  CHECK(dump(eval("1.0").get()) == "1.0");
}

TEST_CASE("random doubles round-trip exactly and parse like float()", "[json]") {
  std::mt19937_64 random(20240601);
  for (int i = 0; i < 20000; ++i) {
    std::uint64_t bits = random();
    double value = 0;
    std::memcpy(&value, &bits, sizeof value);
    if (!std::isfinite(value)) continue;
    py_ref number = py_ref::steal(PyFloat_FromDouble(value));
    std::string text = dump(number.get());
    py_ref back = parse(text);
    py_ref by_python = py_ref::steal(PyFloat_FromString(py_ref::steal(PyUnicode_FromString(text.c_str())).get()));
    INFO(text);
    REQUIRE(bits_of(PyFloat_AS_DOUBLE(back.get())) == bits);
    REQUIRE(bits_of(PyFloat_AS_DOUBLE(by_python.get())) == bits);
  }
}

TEST_CASE("strings keep unicode and escapes", "[json]") {
  py_ref value = parse(R"("caf\u00e9 \ud83d\ude00 \n\t\"\\\/ \u0000 end")");
  CHECK(py_equal(value.get(), eval(R"('caf\u00e9 \U0001F600 \n\t"\\/ \x00 end')").get()));
  std::string raw = "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"";
  CHECK(dump(parse(raw).get()) == raw);
  CHECK(dump(eval(R"('a"b\\c\n\x01\x00')").get()) == R"("a\"b\\c\n\u0001\u0000")");
  CHECK(dump(eval("'\\u2028/'").get()) == "\"\xe2\x80\xa8/\"");
}

TEST_CASE("duplicate keys: the last one wins", "[json]") {
  CHECK(py_equal(parse(R"({"a":1,"b":2,"a":{"c":3}})").get(), eval("{'a': {'c': 3}, 'b': 2}").get()));
}

TEST_CASE("bool is written as a bool, before it could be taken for an int", "[json]") {
  CHECK(dump(eval("[True, 1, False, 0]").get()) == "[true,1,false,0]");
  py_ref parsed = parse("[true,1]");
  CHECK(PyList_GET_ITEM(parsed.get(), 0) == Py_True);
  CHECK(PyLong_CheckExact(PyList_GET_ITEM(parsed.get(), 1)));
}

TEST_CASE("subclasses and tuples are accepted", "[json]") {
  const char* setup = "import collections\n"
                      "class S(str): pass\n"
                      "class F(float): pass\n"
                      "class L(list): pass\n"
                      "Point = collections.namedtuple('Point', 'x y')\n";
  py_ref value = eval("collections.OrderedDict([(S('k'), L([F(1.5), Point(1, 2), (None,)]))])", setup);
  CHECK(dump(value.get()) == R"({"k":[1.5,[1,2],[null]]})");
}

TEST_CASE("nesting: 64 levels pass, 65 are refused, both ways", "[json]") {
  CHECK(same_type(parse(nested_arrays(64)).get(), eval("[]").get()));
  CHECK(parse_error(nested_arrays(65)) == "JSON nested deeper than 64 levels");
  std::string objects;
  for (int i = 0; i < 65; ++i) objects += R"({"a":)";
  objects += "1" + std::string(65, '}');
  CHECK(parse_error(objects) == "JSON nested deeper than 64 levels");
  CHECK(parse_error("[[1]]", 1) == "JSON nested deeper than 1 levels");
  CHECK(parse_error(nested_arrays(100000)) == "JSON nested deeper than 64 levels");

  py_ref deep64 = eval("eval('[' * 64 + ']' * 64)");
  CHECK(dump(deep64.get()) == nested_arrays(64));
  py_ref deep65 = eval("eval('[' * 65 + ']' * 65)");
  CHECK(dump_error(deep65.get()) == "cannot serialize object nested deeper than 64 levels to JSON");
  py_ref loop = eval("loop", "loop = []\nloop.append({'x': loop})\n");
  CHECK(dump_error(loop.get()) == "cannot serialize object nested deeper than 64 levels to JSON");
  PyList_SetSlice(loop.get(), 0, 1, nullptr);  // break the cycle
}

TEST_CASE("NaN, Infinity and out-of-range numbers are refused", "[json]") {
  CHECK(parse_error("NaN") == "invalid JSON at offset 0: invalid value");
  CHECK(parse_error("[Infinity]") == "invalid JSON at offset 1: invalid value");
  CHECK(parse_error("-Infinity") == "invalid JSON at offset 1: invalid value");
  CHECK(parse_error("1e400") == "invalid JSON at offset 0: number out of range (beyond about 1.8e308)");
  CHECK(parse_error("[17976931348623159e292]") ==
        "invalid JSON at offset 1: number out of range (beyond about 1.8e308)");

  CHECK(dump_error(eval("float('nan')").get()) == "cannot serialize float 'nan' to JSON");
  CHECK(dump_error(eval("[float('-inf')]").get()) == "cannot serialize float 'inf' to JSON at $[0]");
}

TEST_CASE("integers of any size up to Python's digit limit stay exact", "[json]") {
  std::string big = "1" + std::string(400, '0');
  py_ref value = parse(big);
  REQUIRE(value);
  CHECK(dump(value.get()) == big);
  CHECK(parse_error("-" + std::string(4301, '9')) ==
        "invalid JSON at offset 0: integer has more digits than Python converts (sys.get_int_max_str_digits())");
}

TEST_CASE("integers beyond Python's digit limit are refused", "[json]") {
  CHECK(dump_error(eval("10**5000").get()) ==
        "cannot serialize an int with more digits than sys.get_int_max_str_digits() to JSON");
}

TEST_CASE("invalid UTF-8 and lone surrogates are refused", "[json]") {
  CHECK(parse_error("\"\xff\"") == "invalid JSON at offset 1: invalid encoding in string");
  CHECK(parse_error("\"\xed\xa0\x80\"") == "invalid JSON at offset 1: invalid encoding in string");
  CHECK(parse_error("\"\xc0\xaf\"") == "invalid JSON at offset 1: invalid encoding in string");
  CHECK(parse_error(R"("\ud800")") == "invalid JSON at offset 1: the surrogate pair in string is invalid");
  CHECK(parse_error(R"(["\udc00"])") == "invalid JSON at offset 2: string contains a lone surrogate escape");
  CHECK(parse_error(R"("\ud800\u0041")") == "invalid JSON at offset 1: the surrogate pair in string is invalid");
  CHECK(parse_error("\"a\x01b\"") == "invalid JSON at offset 2: control character in string (it must be escaped)");
  CHECK(parse_error(R"("\x")") == "invalid JSON at offset 1: invalid escape character in string");
  CHECK(parse_error(R"("\u12g4")") == "invalid JSON at offset 5: incorrect hex digit after \\u escape in string");
  CHECK(parse_error("\"\xf0\x9f\x98\"") == "invalid JSON at offset 1: invalid encoding in string");

  CHECK(dump_error(eval("'\\ud800'").get()) == "cannot serialize str containing a lone surrogate to JSON");
  CHECK(dump_error(eval("{'\\udfff': 1}").get()) == "cannot serialize str containing a lone surrogate to JSON");
}

TEST_CASE("malformed documents are refused with the offset", "[json]") {
  CHECK(parse_error("") == "invalid JSON at offset 0: the document is empty");
  CHECK(parse_error("[1] x") == "invalid JSON at offset 4: the document root must not be followed by other values");
  CHECK(parse_error(std::string_view("1\0junk", 6)) == "invalid JSON at offset 1: unexpected NUL byte after the value");
  CHECK(parse_error("[1,]") == "invalid JSON at offset 3: invalid value");
  CHECK(parse_error("[1 2]") == "invalid JSON at offset 3: missing a comma or ']' after an array element");
  CHECK(parse_error("{\"a\" 1}") == "invalid JSON at offset 5: missing a colon after a name of object member");
  CHECK(parse_error("{1:2}") == "invalid JSON at offset 1: missing a name for object member");
  CHECK(parse_error("// c\n1") == "invalid JSON at offset 0: invalid value");
  CHECK(parse_error("\"abc") == "invalid JSON at offset 4: missing a closing quotation mark in string");
  CHECK(parse_error("01") == "invalid JSON at offset 1: the document root must not be followed by other values");
  CHECK(parse_error("1.") == "invalid JSON at offset 2: missing digits after the decimal point in number");
  CHECK(parse_error("1e+") == "invalid JSON at offset 3: missing digits in the exponent of number");
  CHECK(parse_error("-") == "invalid JSON at offset 1: invalid value");
  CHECK(parse_error("tru") == "invalid JSON at offset 0: invalid value");
  CHECK(parse_error("{\"a\":1 \"b\":2}") == "invalid JSON at offset 7: missing a comma or '}' after an object member");
  CHECK(parse_error("[") == "invalid JSON at offset 1: invalid value");
  CHECK(parse_error("   ") == "invalid JSON at offset 3: the document is empty");
}

TEST_CASE("objects that are not JSON are refused by type", "[json]") {
  // (Without the lowering snasio._types.lower gives the server, a set is none.)
  CHECK(dump_error(eval("{1, 2}").get()) == "cannot serialize object of type 'set' to JSON");
  CHECK(dump_error(eval("[b'x']").get()) == "cannot serialize object of type 'bytes' to JSON at $[0]");
  CHECK(dump_error(eval("{'a': [1, {'b': Thing()}]}", "class Thing: pass\n").get()) ==
        "cannot serialize object of type 'Thing' to JSON at $.a[1].b");
  CHECK(dump_error(eval("{1: 2}").get()) == "cannot serialize dict key of type 'int' to JSON (keys must be str)");
  CHECK(dump_error(eval("{None: 2}").get()) ==
        "cannot serialize dict key of type 'NoneType' to JSON (keys must be str)");
}

TEST_CASE("a dataclass's fields are written as Python reads them, from __dict__ or past it", "[json]") {
  const char* classes =
      "import dataclasses\n"
      "@dataclasses.dataclass\n"
      "class A:\n    x: int\n    y: str\n"
      "class WithProperty(A):\n"  // a data descriptor comes before the instance's __dict__
      "    y = property(lambda self: 'property', lambda self, v: None)\n"
      "class Asking(A):\n"
      "    def __getattribute__(self, name):\n"
      "        return 'asked' if name == 'y' else object.__getattribute__(self, name)\n"
      "@dataclasses.dataclass(slots=True)\n"
      "class Slotted:\n    x: int\n    y: str\n"
      "a = A(1, 'a'); a.extra = 2\n"
      "p = WithProperty(1, 'a'); p.__dict__['y'] = 'shadowed'\n";
  CHECK(dump(eval("[a, p, Asking(1, 'a'), Slotted(1, 'a')]", classes).get()) ==
        R"([{"x":1,"y":"a"},{"x":1,"y":"property"},{"x":1,"y":"asked"},{"x":1,"y":"a"}])");
  // A class changed after its fields were first read: its new property answers.
  py_ref both = eval("(a, A)", classes);
  PyObject *a = PyTuple_GET_ITEM(both.get(), 0), *A = PyTuple_GET_ITEM(both.get(), 1);
  CHECK(dump(a) == R"({"x":1,"y":"a"})");
  REQUIRE(PyObject_SetAttrString(A, "y", eval("property(lambda self: 'later')").get()) == 0);
  REQUIRE(py_ref::steal(PyObject_GetAttrString(A, "y")));  // a lookup: the class has a (new) version tag again
  CHECK(dump(a) == R"({"x":1,"y":"later"})");
}

TEST_CASE("a dataclass's fields come out in field order with their own values, whatever order __dict__ holds", "[json]") {
  const char* classes =
      "import dataclasses\n"
      "@dataclasses.dataclass\n"
      "class A:\n    x: int\n    y: str\n"
      "@dataclasses.dataclass\n"
      "class D:\n    x: int = 7\n    y: int = 8\n"
      "@dataclasses.dataclass\n"
      "class U:\n    \u00e9t\u00e9: int\n    b: list\n"
      "Q = dataclasses.dataclass(init=False, repr=False, eq=False)(\n"
      "    type('Q', (), {'__module__': 'q', '__annotations__': {'a\"b': int, 'c\\\\': int}}))\n"
      "moved = A(1, 'a'); del moved.x; moved.x = 3\n"         // __dict__: y, x
      "extra = A.__new__(A); extra.z = 0; extra.y = 'e'; extra.x = 5\n"  // an attribute before the fields
      "partial = D.__new__(D); partial.y = 9\n"               // x from the class
      "q = Q(); setattr(q, 'a\"b', 1); setattr(q, 'c\\\\', 2)\n";  // names that need escaping
  CHECK(dump(eval("[moved, extra, partial, U(1, [A(2, 'n')]), q]", classes).get()) ==
        R"([{"x":3,"y":"a"},{"x":5,"y":"e"},{"x":7,"y":9},{"été":1,"b":[{"x":2,"y":"n"}]},{"a\"b":1,"c\\":2}])");
}

TEST_CASE("python_to_json appends to the output", "[json]") {
  std::string out = "prefix:", error;
  REQUIRE(python_to_json(eval("[1, 'a']").get(), out, error));
  CHECK(out == "prefix:[1,\"a\"]");
  CHECK(error.empty());
}

TEST_CASE("no reference is leaked, on success or on failure", "[json]") {
  // Python 3.11 still counts references to None and True, so a leak shows.
  Py_ssize_t none_before = Py_REFCNT(Py_None), true_before = Py_REFCNT(Py_True);
  {
    py_ref value = parse(R"([null,true,{"a":[null,true]}])");
    CHECK(Py_REFCNT(Py_None) == none_before + 2);
    CHECK(dump(value.get()) == R"([null,true,{"a":[null,true]}])");
  }
  parse_error(R"([null,true,{"a":[null,true,)");
  parse_error(R"([null,true,{"a":[null,"\udc00"]}])");
  CHECK(Py_REFCNT(Py_None) == none_before);
  CHECK(Py_REFCNT(Py_True) == true_before);

  py_ref object = eval("{'k': [1, 10**30, 'x']}");
  Py_ssize_t object_before = Py_REFCNT(object.get());
  dump(object.get());
  dump_error(eval("[None, True, {'k': {1, 2}}]").get());
  CHECK(Py_REFCNT(object.get()) == object_before);
  CHECK(Py_REFCNT(Py_None) == none_before);
}
