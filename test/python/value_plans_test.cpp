#include "python/value_plans.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>

#include "python/errors.hpp"

using snasio::python::py_ref;
using snasio::python::startup_error;
using snasio::python::value_plan;

namespace {

// The names `setup` defines (statements), as a dict.
py_ref run(const char* setup) {
  py_ref globals = py_ref::steal(PyDict_New());
  PyDict_SetItemString(globals.get(), "__builtins__", PyEval_GetBuiltins());
  py_ref ran = py_ref::steal(PyRun_String(setup, Py_file_input, globals.get(), globals.get()));
  if (!ran) PyErr_Print();
  REQUIRE(ran);
  return globals;
}

PyObject* get(const py_ref& names, const char* name) { return PyDict_GetItemString(names.get(), name); }

bool equal(PyObject* a, PyObject* b) {
  int same = PyObject_RichCompareBool(a, b, Py_EQ);
  REQUIRE(same >= 0);
  return same == 1;
}

const char* converters = R"(
import dataclasses
calls = []

@dataclasses.dataclass
class Item:
    id: int
    tags: list

def build_item(value):
    calls.append("item")
    obj = object.__new__(Item)
    obj.__dict__.update({"id": value["id"], "tags": value["tags"]})
    return obj
build_item._snasio_plan = ("dataclass", Item, (("id", None), ("tags", None)))

def each(values):
    calls.append("list")
    return [build_item(v) for v in values]
each._snasio_plan = ("list", build_item)

def doubled(value):
    return value * 2

def nested(n):
    if n == 0:
        return doubled
    inner = nested(n - 1)
    def each(values):
        return [inner(v) for v in values]
    each._snasio_plan = ("list", inner)
    return each

def wrap(value, n):
    for _ in range(n):
        value = [value]
    return value

broken = lambda value: value
broken._snasio_plan = ("tuple", None)

def malformed(plan):
    f = lambda value: value
    f._snasio_plan = plan
    return f

unfollowable = [malformed(p) for p in (
    "list", ("list",), (1, None), ("list", None, None), ("dataclass", 1, ()), ("dataclass", Item, None),
    ("dataclass", Item, (("id",),)), ("dataclass", Item, ((1, None),)))]
)";

}  // namespace

TEST_CASE("a plan makes what its converter makes, calling it only for what the plan does not cover", "[value_plans]") {
  py_ref names = run(converters);
  value_plan plan = value_plan::of(get(names, "each"), "route x");
  // The fields in order; in another order; in order as other strs of the same text; one too many.
  py_ref sent = py_ref::steal(PyRun_String(
      "[{'id': 1, 'tags': ['a']}, {'tags': [], 'id': 2}, {''.join('id'): 3, ''.join('tags'): []}, "
      "{'id': 4, 'tags': [], 'extra': 0}]",
      Py_eval_input, names.get(), names.get()));
  py_ref first = py_ref::borrow(PyList_GET_ITEM(sent.get(), 0)), third = py_ref::borrow(PyList_GET_ITEM(sent.get(), 2));
  py_ref made = plan.apply(sent.get());
  REQUIRE(made);
  REQUIRE(PyList_Check(made.get()));
  REQUIRE(PyList_GET_SIZE(made.get()) == 4);
  for (Py_ssize_t i = 0; i < 4; ++i) CHECK(PyObject_IsInstance(PyList_GET_ITEM(made.get(), i), get(names, "Item")) == 1);
  // The last has a member no field declares: its converter made it, and left the member out.
  CHECK(equal(get(names, "calls"), py_ref::steal(Py_BuildValue("[s]", "item")).get()));
  py_ref expected = py_ref::steal(
      PyRun_String("[Item(1, ['a']), Item(2, []), Item(3, []), Item(4, [])]", Py_eval_input, names.get(), names.get()));
  CHECK(equal(made.get(), expected.get()));
  for (Py_ssize_t i = 0; i < 3; ++i) {  // each instance's __dict__ in field order, as __init__ makes it
    py_ref keys = py_ref::steal(PySequence_List(py_ref::steal(PyObject_GenericGetDict(PyList_GET_ITEM(made.get(), i), nullptr)).get()));
    CHECK(equal(keys.get(), py_ref::steal(Py_BuildValue("[ss]", "id", "tags")).get()));
  }
  // The list was converted where it is, and each dict in field order became its instance's __dict__.
  CHECK(made.get() == sent.get());
  auto dict_of = [&](Py_ssize_t i) { return py_ref::steal(PyObject_GenericGetDict(PyList_GET_ITEM(made.get(), i), nullptr)); };
  CHECK(dict_of(0).get() == first.get());
  CHECK(dict_of(2).get() == third.get());
  // A field missing beside an unknown member (which the checks let through for no body): KeyError, as the converter raises.
  py_ref missing = py_ref::steal(PyRun_String("[{'id': 1, 'other': []}]", Py_eval_input, names.get(), names.get()));
  CHECK_FALSE(plan.apply(missing.get()));
  CHECK(PyErr_ExceptionMatches(PyExc_KeyError));
  PyErr_Clear();
}

TEST_CASE("a float plan makes an int a float and leaves anything else as it is, without a call", "[value_plans]") {
  py_ref names = run(R"(
calls = []
def to_float(value):
    calls.append(value)
    return float(value) if type(value) is int else value
to_float._snasio_plan = ("float", float)
def each(values):
    return [to_float(v) for v in values]
each._snasio_plan = ("list", to_float)
)");
  value_plan plan = value_plan::of(get(names, "each"), "route x");
  py_ref sent = py_ref::steal(PyRun_String("[3, 2.5, True, 10**20]", Py_eval_input, names.get(), names.get()));
  py_ref made = plan.apply(sent.get());
  REQUIRE(made);
  PyObject* first = PyList_GET_ITEM(made.get(), 0);
  CHECK((PyFloat_CheckExact(first) && PyFloat_AS_DOUBLE(first) == 3.0));
  CHECK(PyList_GET_ITEM(made.get(), 1) == PyList_GET_ITEM(sent.get(), 1));  // a float: the same object
  CHECK(PyList_GET_ITEM(made.get(), 2) == Py_True);                          // (the checks let no bool through)
  CHECK(PyFloat_AS_DOUBLE(PyList_GET_ITEM(made.get(), 3)) == 1e20);
  CHECK(PyList_GET_SIZE(get(names, "calls")) == 0);
  py_ref huge = py_ref::steal(PyRun_String("[10**400]", Py_eval_input, names.get(), names.get()));
  CHECK_FALSE(plan.apply(huge.get()));  // past a double's range: OverflowError, as float() raises
  CHECK(PyErr_ExceptionMatches(PyExc_OverflowError));
  PyErr_Clear();
}

TEST_CASE("a converter without a plan is called, and plans nested past the bound call theirs", "[value_plans]") {
  py_ref names = run(converters);
  py_ref three = py_ref::steal(PyLong_FromLong(3));
  CHECK(PyLong_AsLong(value_plan::of(get(names, "doubled"), "route x").apply(three.get()).get()) == 6);
  CHECK(value_plan::of(Py_None, "route x").as_is());
  for (int depth : {5, 40}) {
    py_ref deep = py_ref::steal(PyObject_CallFunction(get(names, "nested"), "i", depth));
    py_ref value = py_ref::steal(PyObject_CallFunction(get(names, "wrap"), "ii", 1, depth));
    py_ref expected = py_ref::steal(PyObject_CallFunction(get(names, "wrap"), "ii", 2, depth));
    REQUIRE(deep);
    REQUIRE(value);
    CHECK(equal(value_plan::of(deep.get(), "route x").apply(value.get()).get(), expected.get()));
  }
}

TEST_CASE("a plan the server cannot follow stops the start, naming the route", "[value_plans]") {
  py_ref names = run(converters);
  CHECK_THROWS_WITH(value_plan::of(get(names, "broken"), "route app.thing"),
                    "route app.thing: a converter's plan the server cannot follow");
  PyObject* unfollowable = get(names, "unfollowable");
  for (Py_ssize_t i = 0; i < PyList_GET_SIZE(unfollowable); ++i)
    CHECK_THROWS_AS(value_plan::of(PyList_GET_ITEM(unfollowable, i), "route x"), startup_error);
}

TEST_CASE("what a plan does not describe goes to its converter", "[value_plans]") {
  py_ref names = run(converters);
  value_plan list = value_plan::of(get(names, "each"), "route x");
  value_plan item = value_plan::of(get(names, "build_item"), "route x");
  // Not a list, not an object, an object of the right size but another member: the converter's.
  for (const char* odd : {"({'id': 1, 'tags': []},)", "[('id', 1)]", "[{'id': 1, 'other': []}]"}) {
    py_ref value = py_ref::steal(PyRun_String(odd, Py_eval_input, names.get(), names.get()));
    REQUIRE(value);
    py_ref expected = py_ref::steal(PyObject_CallOneArg(get(names, "each"), value.get()));
    const bool fails = !expected;
    PyErr_Clear();
    py_ref made = list.apply(value.get());
    if (fails) {  // the converter fails on it: so does the plan, with an exception set
      CHECK_FALSE(made);
      CHECK(PyErr_Occurred());
      PyErr_Clear();
    } else {
      CHECK(equal(made.get(), expected.get()));
    }
  }
  py_ref number = py_ref::steal(PyLong_FromLong(7));
  CHECK_FALSE(item.apply(number.get()));  // build_item(7) raises: the error comes back
  CHECK(PyErr_ExceptionMatches(PyExc_TypeError));
  PyErr_Clear();
}

TEST_CASE("an instance a plan makes behaves as one __init__ made", "[value_plans]") {
  py_ref names = run(R"py(
import abc, copy, dataclasses, gc

@dataclasses.dataclass
class Point:
    x: int
    y: int

def build(value):
    obj = object.__new__(Point)
    obj.__dict__.update(value)
    return obj
build._snasio_plan = ("dataclass", Point, (("x", None), ("y", None)))

@dataclasses.dataclass
class Shape(abc.ABC):
    x: int
    @abc.abstractmethod
    def area(self): ...

def build_shape(value):
    return object.__new__(Shape)
build_shape._snasio_plan = ("dataclass", Shape, (("x", None),))

def exercise(p):
    assert (p.x, p.y) == (1, 2) and p == Point(1, 2) and repr(p) == "Point(x=1, y=2)"
    assert vars(p) == {"x": 1, "y": 2} and dataclasses.asdict(p) == {"x": 1, "y": 2}
    p.z = 3
    del p.y
    assert vars(p) == {"x": 1, "z": 3} and not hasattr(p, "y")
    p.y = 2
    assert copy.copy(p) == p and copy.deepcopy(p) == p
    assert dataclasses.replace(p, x=5) == Point(5, 2)
    gc.collect()
    return True
)py");
  py_ref sent = py_ref::steal(PyRun_String("{'x': 1, 'y': 2}", Py_eval_input, names.get(), names.get()));
  py_ref made = value_plan::of(get(names, "build"), "route x").apply(sent.get());
  REQUIRE(made);
  py_ref ok = py_ref::steal(PyObject_CallOneArg(get(names, "exercise"), made.get()));
  if (!ok) PyErr_Print();
  CHECK(ok.get() == Py_True);
  // An abstract class is refused as object.__new__ refuses it.
  py_ref shape = py_ref::steal(PyRun_String("{'x': 1}", Py_eval_input, names.get(), names.get()));
  CHECK_FALSE(value_plan::of(get(names, "build_shape"), "route x").apply(shape.get()));
  CHECK(PyErr_ExceptionMatches(PyExc_TypeError));
  PyErr_Clear();
}
