#include "python/py_objects.hpp"

#include <algorithm>
#include <span>

#include "python/errors.hpp"
#include "python/py_text.hpp"

namespace snasio::python {

namespace {

// Each name of snasio._contract.SERVER_USES, on one row with the member it fills.
struct used {
  std::string_view name;
  py_ref py_objects::*member;
};

constexpr used server_uses[] = {
    {"Request", &py_objects::request_class},
    {"Response", &py_objects::response_class},
    {"StreamingResponse", &py_objects::streaming_class},
    {"HTTPError", &py_objects::http_error},
    {"PlanError", &py_objects::plan_error},
    {"UNSET", &py_objects::unset},
    {"JSON_UNREAD", &py_objects::json_unread},
    {"UploadedFile", &py_objects::uploaded_file},
    {"REQUIRED", &py_objects::required},
    {"lower", &py_objects::lower},
    {"plan_app", &py_objects::plan_app},
    {"openapi", &py_objects::openapi},
    {"start_loop", &py_objects::start_loop},
    {"run_startup", &py_objects::run_startup},
    {"run_loop", &py_objects::run_loop},
    {"run_shutdown", &py_objects::run_shutdown},
    {"close_loop", &py_objects::close_loop},
    {"start_task", &py_objects::start_task},
    {"HandlerTask", &py_objects::handler_task},
    {"carry_on", &py_objects::carry_on},
    {"eager_loop", &py_objects::eager_loop},
    {"schedule_flush", &py_objects::schedule_flush},
    {"schedule_resume", &py_objects::schedule_resume},
    {"pool", &py_objects::pool},
    {"invoke", &py_objects::invoke},
    {"abandon", &py_objects::abandon},
    {"written", &py_objects::written},
    {"open_stream", &py_objects::open_stream},
    {"start_pump", &py_objects::start_pump},
    {"abandon_stream", &py_objects::abandon_stream},
    {"room", &py_objects::room},
    {"draining", &py_objects::draining},
};

constexpr std::array<std::string_view, 7> usual_methods = {"GET", "POST", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"};

// `module:attribute`, imported and looked up; empty with the exception set.
py_ref lookup(std::string_view where) {
  std::size_t colon = where.find(':');
  std::string module(where.substr(0, colon)), attribute(where.substr(colon == std::string_view::npos ? where.size() : colon + 1));
  py_ref m = py_ref::steal(PyImport_ImportModule(module.c_str()));
  return m ? py_ref::steal(PyObject_GetAttrString(m.get(), attribute.c_str())) : py_ref{};
}

// Fills every member named by SERVER_USES; throws startup_error naming a name
// one side has and the other has not, or one that cannot be found.
void load_server_uses(PyObject* contract, py_objects& py) {
  py_ref uses = py_ref::steal(PyObject_GetAttrString(contract, "SERVER_USES"));
  if (!uses || !PyDict_Check(uses.get())) throw startup_error("snasio._contract.SERVER_USES is missing or is not a dict");
  std::span<const used> rows = server_uses;
  Py_ssize_t pos = 0;
  PyObject *key, *value;  // borrowed
  while (PyDict_Next(uses.get(), &pos, &key, &value)) {
    std::string name, where;
    if (!PyUnicode_Check(key) || !utf8(key, name) || !PyUnicode_Check(value) || !utf8(value, where))
      throw startup_error("snasio._contract.SERVER_USES holds something other than str: str");
    auto row = std::find_if(rows.begin(), rows.end(), [&](const used& u) { return u.name == name; });
    if (row == rows.end()) throw startup_error("snasio._contract.SERVER_USES names '" + name + "', which the server does not use");
    py.*row->member = lookup(where);
    if (!(py.*row->member))
      throw startup_error("cannot find " + where + " (snasio._contract.SERVER_USES['" + name + "']):\n" +
                          take_exception_text());
  }
  for (const auto& row : rows)
    if (!(py.*row.member)) throw startup_error("snasio._contract.SERVER_USES does not name '" + std::string(row.name) + "'");
}

std::vector<std::string> read_text_media_types(PyObject* contract) {
  py_ref types = py_ref::steal(PyObject_GetAttrString(contract, "TEXT_MEDIA_TYPES"));
  std::vector<std::string> out;
  for (Py_ssize_t i = 0; types && PyTuple_Check(types.get()) && i < PyTuple_GET_SIZE(types.get()); ++i) {
    std::string type;
    if (!utf8(PyTuple_GET_ITEM(types.get(), i), type)) break;
    out.push_back(std::move(type));
  }
  if (PyErr_Occurred() || !types || !PyTuple_Check(types.get()))
    throw startup_error("snasio._contract.TEXT_MEDIA_TYPES is not a tuple of str");
  return out;
}

}  // namespace

PyObject* py_objects::method(std::string_view name) const noexcept {
  for (std::size_t i = 0; i < usual_methods.size(); ++i)
    if (usual_methods[i] == name) return methods[i].get();
  return nullptr;
}

py_objects py_objects::load(const std::string& package_dir) {
  py_objects py;
  py_ref contract = py_ref::steal(PyImport_ImportModule("snasio._contract"));
  if (!contract)
    throw startup_error("cannot load snasio's Python package from '" + (package_dir.empty() ? "sys.path" : package_dir) +
                        "':\n" + take_exception_text());
  check_contract_enums(contract.get());
  load_server_uses(contract.get(), py);
  py.request = request_layout::read(contract.get(), py.request_class.get());
  py.text_media_types = read_text_media_types(contract.get());
  const std::string why = "(the server steps parked handlers: python/handler_call.cpp)";
  auto& f = py.handler_task_fields;
  for (auto [offset, name] : {std::pair{&f.name, "_name"}, {&f.context, "_context"}, {&f.coro, "_coro"},
                              {&f.job_id, "_job_id"}, {&f.task, "_task"}, {&f.cancels, "_cancels"}})
    *offset = slot_offset(py.handler_task.get(), name, "snasio._loop.HandlerTask", why);
  py.run_batch = lookup("_snasio:_run_batch");
  py.uuid_class = lookup("uuid:UUID");
  py.cancelled_error = lookup("asyncio:CancelledError");
  py.current_tasks = lookup("asyncio.tasks:_current_tasks");
  if (py.current_tasks && !PyDict_Check(py.current_tasks.get()))
    PyErr_SetString(PyExc_TypeError, ("asyncio.tasks._current_tasks is not a dict " + why).c_str());
  if (!PyErr_Occurred()) py.http_scheme = py_ref::steal(PyUnicode_InternFromString("http"));
  if (!PyErr_Occurred()) py.https_scheme = py_ref::steal(PyUnicode_InternFromString("https"));
  for (std::size_t i = 0; i < usual_methods.size() && !PyErr_Occurred(); ++i)
    py.methods[i] = py_ref::steal(PyUnicode_InternFromString(std::string(usual_methods[i]).c_str()));
  if (PyErr_Occurred()) throw startup_error("cannot start snasio's Python side:\n" + take_exception_text());
  return py;
}

}  // namespace snasio::python
