#include "python/contract.hpp"

#include <structmember.h>

#include <algorithm>
#include <span>
#include <string_view>

#include "python/errors.hpp"
#include "python/job_queue.hpp"
#include "python/py_text.hpp"

namespace snasio::python {

namespace {

// Each name the contract declares, on one row with what it is here.
template <class E>
struct named {
  std::string_view name;
  E value;
};

constexpr named<execution_mode> modes[] = {{"SYNC", execution_mode::sync}, {"ASYNC", execution_mode::async}};
constexpr named<call_kind> calls[] = {{"DIRECT", call_kind::direct}, {"INVOKE", call_kind::invoke}};
constexpr named<argument_source> sources[] = {
    {"REQUEST", argument_source::request}, {"PATH", argument_source::path}, {"POOL", argument_source::pool},
    {"VALUE", argument_source::value}};
constexpr named<job_event::kind> job_events[] = {{"ABANDONED", job_event::kind::abandoned},
                                                 {"WRITTEN", job_event::kind::written},
                                                 {"ROOM", job_event::kind::room},
                                                 {"DRAINING", job_event::kind::draining}};
constexpr named<net::piece_end> piece_ends[] = {
    {"MORE", net::piece_end::more}, {"LAST", net::piece_end::last}, {"CUT", net::piece_end::cut}};

using request_field = Py_ssize_t request_layout::*;
constexpr named<request_field> request_fields[] = {
    {"method", &request_layout::method},         {"path", &request_layout::path},
    {"path_params", &request_layout::path_params}, {"raw_body", &request_layout::raw_body},
    {"client", &request_layout::client},         {"scheme", &request_layout::scheme},
    {"request_id", &request_layout::request_id}, {"_raw_query", &request_layout::raw_query},
    {"_raw_headers", &request_layout::raw_headers}, {"_raw_trailers", &request_layout::raw_trailers},
    {"_body", &request_layout::body},
    {"_charset", &request_layout::charset},      {"_headers", &request_layout::headers},
    {"_query", &request_layout::query},          {"_query_multi", &request_layout::query_multi},
    {"_parts", &request_layout::parts},          {"_lazy", &request_layout::lazy},
    {"_values", &request_layout::values},        {"_problem", &request_layout::problem},
};

std::string name_of(PyObject* s) {
  std::string out;
  if (!PyUnicode_Check(s) || !utf8(s, out)) PyErr_Clear();
  return out;
}

// The enum `type` of the contract has exactly the rows' names, each with its value.
template <class E>
void check_enum(PyObject* contract, const char* type, std::span<const named<E>> rows) {
  std::string where = std::string("snasio._contract.") + type;
  py_ref cls = py_ref::steal(PyObject_GetAttrString(contract, type));
  py_ref members = cls ? py_ref::steal(PyObject_GetAttrString(cls.get(), "__members__")) : py_ref{};
  py_ref items = members ? py_ref::steal(PyMapping_Items(members.get())) : py_ref{};
  if (!items) throw startup_error(where + " is missing or is not an enum: " + take_exception_text());
  for (Py_ssize_t i = 0; i < PyList_GET_SIZE(items.get()); ++i) {
    PyObject* item = PyList_GET_ITEM(items.get(), i);  // borrowed (name, member)
    std::string name = name_of(PyTuple_GET_ITEM(item, 0));
    long value = PyLong_AsLong(PyTuple_GET_ITEM(item, 1));
    PyErr_Clear();
    auto row = std::find_if(rows.begin(), rows.end(), [&](const named<E>& r) { return r.name == name; });
    if (row == rows.end()) throw startup_error(where + "." + name + " is unknown to the server");
    if (value != long(row->value))
      throw startup_error(where + "." + name + " is " + std::to_string(value) + " in Python and " +
                          std::to_string(long(row->value)) + " in the server");
  }
  for (const auto& row : rows)
    if (PyMapping_HasKeyString(members.get(), std::string(row.name).c_str()) != 1)
      throw startup_error(where + " has no member " + std::string(row.name) + ", which the server knows");
}

template <class E>
bool value_of(PyObject* member, std::span<const named<E>> rows, E& out) {
  long value = PyLong_Check(member) ? PyLong_AsLong(member) : -1;
  PyErr_Clear();
  for (const auto& row : rows)
    if (long(row.value) == value) {
      out = row.value;
      return true;
    }
  return false;
}

template <class E>
E enum_member(PyObject* member, std::span<const named<E>> rows, const char* type, const std::string& where) {
  E out{};
  if (!value_of(member, rows, out))
    throw startup_error(where + ": not a snasio._contract." + type + ": " + name_of(py_ref::steal(PyObject_Repr(member)).get()));
  return out;
}

}  // namespace

void check_contract_enums(PyObject* contract) {
  check_enum<execution_mode>(contract, "Mode", modes);
  check_enum<call_kind>(contract, "Call", calls);
  check_enum<argument_source>(contract, "Source", sources);
  check_enum<job_event::kind>(contract, "JobEvent", job_events);
  check_enum<net::piece_end>(contract, "PieceEnd", piece_ends);
}

execution_mode to_execution_mode(PyObject* member, const std::string& where) {
  return enum_member<execution_mode>(member, modes, "Mode", where);
}

call_kind to_call_kind(PyObject* member, const std::string& where) {
  return enum_member<call_kind>(member, calls, "Call", where);
}

argument_source to_argument_source(PyObject* member, const std::string& where) {
  return enum_member<argument_source>(member, sources, "Source", where);
}

bool to_piece_end(PyObject* value, net::piece_end& out) {
  if (value_of<net::piece_end>(value, piece_ends, out)) return true;
  PyErr_Format(PyExc_ValueError, "a piece ends MORE, LAST or CUT (snasio._contract.PieceEnd), not %R", value);
  return false;
}

request_layout request_layout::read(PyObject* contract, PyObject* request_class) {
  py_ref names = py_ref::steal(PyObject_GetAttrString(contract, "REQUEST_FIELDS"));
  if (!names || !PyTuple_Check(names.get()))
    throw startup_error("snasio._contract.REQUEST_FIELDS is missing or is not a tuple");
  std::span<const named<request_field>> rows = request_fields;
  for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(names.get()); ++i) {
    std::string name = name_of(PyTuple_GET_ITEM(names.get(), i));
    if (std::none_of(rows.begin(), rows.end(), [&](const auto& r) { return r.name == name; }))
      throw startup_error("snasio._contract.REQUEST_FIELDS names '" + name + "', a field the server does not fill");
  }
  request_layout layout;
  for (const auto& row : rows)
    layout.*row.value = slot_offset(request_class, std::string(row.name), "snasio.Request",
                                    "(snasio._contract.REQUEST_FIELDS)");
  return layout;
}

Py_ssize_t slot_offset(PyObject* cls, const std::string& name, const std::string& class_name, const std::string& why) {
  // A __slots__ entry is a member descriptor on the class that knows where
  // the field lives in each instance: read once, it lets the server read and
  // store the field directly, as the class's own descriptors would.
  py_ref slot = py_ref::steal(PyObject_GetAttrString(cls, name.c_str()));
  PyErr_Clear();
  if (!slot || !Py_IS_TYPE(slot.get(), &PyMemberDescr_Type) ||
      reinterpret_cast<PyMemberDescrObject*>(slot.get())->d_member->type != T_OBJECT_EX)
    throw startup_error(class_name + "." + name + " is not a field of its __slots__ " + why);
  return reinterpret_cast<PyMemberDescrObject*>(slot.get())->d_member->offset;
}

}  // namespace snasio::python
