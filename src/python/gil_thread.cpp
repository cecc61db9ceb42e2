#include "python/gil_thread.hpp"

#include <pthread.h>

#include <cstdlib>
#include <optional>

#include "log/log.hpp"
#include "python/bridge_module.hpp"
#include "python/errors.hpp"
#include "python/fatal_signals.hpp"
#include "python/interpreter.hpp"
#include "python/json_convert.hpp"

namespace snasio::python {

namespace {

// Test instrumentation, for `just coverage`: when SNASIO_PYTHON_COVERAGE names
// a data file, python3-coverage measures snasio's own package inside this
// interpreter, from before its first import to the end. Empty otherwise.
py_ref start_coverage(const std::string& package_dir) {
  const char* data_file = std::getenv("SNASIO_PYTHON_COVERAGE");
  if (!data_file || !*data_file || package_dir.empty()) return {};
  py_ref module = py_ref::steal(PyImport_ImportModule("coverage"));
  py_ref cls = module ? py_ref::steal(PyObject_GetAttrString(module.get(), "Coverage")) : py_ref{};
  py_ref kwargs = py_ref::steal(Py_BuildValue("{s:s,s:O,s:[s]}", "data_file", data_file, "data_suffix", Py_True,
                                              "include", (package_dir + "/*").c_str()));
  py_ref args = py_ref::steal(PyTuple_New(0));
  py_ref cov = cls && kwargs && args ? py_ref::steal(PyObject_Call(cls.get(), args.get(), kwargs.get())) : py_ref{};
  if (!cov || !py_ref::steal(PyObject_CallMethod(cov.get(), "start", nullptr))) {
    log::line(log::level::warning, "cannot measure coverage:\n" + take_exception_text());
    return {};
  }
  return cov;
}

void save_coverage(py_ref cov) {
  if (cov && (!py_ref::steal(PyObject_CallMethod(cov.get(), "stop", nullptr)) ||
              !py_ref::steal(PyObject_CallMethod(cov.get(), "save", nullptr))))
    log::line(log::level::warning, "cannot save coverage:\n" + take_exception_text());
}

}  // namespace

gil_thread::gil_thread(python_config config, job_queue& jobs, reply_queue& replies)
    : config_(std::move(config)), jobs_(jobs), runner_(jobs, replies, endpoints_, py_), sync_(jobs, replies, runner_, endpoints_) {}

std::string gil_thread::describe_running() const {
  std::string sync = sync_.describe(), async = runner_.running().describe();
  std::string both = sync + (!sync.empty() && !async.empty() ? ", " : "") + async;
  return both.empty() ? "nothing" : both;
}

gil_thread::~gil_thread() { join(); }

imported_app gil_thread::start() {
  std::promise<imported_app> imported;
  auto app = imported.get_future();
  thread_ = std::thread([this, &imported] { run(imported); });
  try {
    return app.get();
  } catch (...) {
    join();
    throw;
  }
}

void gil_thread::serve(python_config final) {
  go_sent_ = true;
  go_.set_value(std::move(final));
  launched_.get_future().get();  // rethrows a start-up hook's failure
}

void gil_thread::join() {
  if (!thread_.joinable()) return;
  if (!go_sent_) {
    go_sent_ = true;
    go_.set_value(std::nullopt);  // imported, never served: it finalizes now
  }
  thread_.join();
}

void gil_thread::detach() {
  if (thread_.joinable()) thread_.detach();
}

void gil_thread::run(std::promise<imported_app>& imported) {
  // Named, so top, perf and /proc tell it from the reactor.
  pthread_setname_np(pthread_self(), "snasio-gil");
  {
    std::optional<interpreter> interp;
    py_ref coverage;
    try {
      if (config_.package_dir.empty()) config_.package_dir = find_package_dir();
      interp.emplace(config_);
      coverage = start_coverage(config_.package_dir);
      // `_snasio` reports to this thread's runner from now on.
      attach_bridge_module(runner_, py_);
      py_ = py_objects::load(config_.package_dir);
      set_json_lowering(py_.lower.get());
      endpoints_.import_app(config_, py_);
      runner_.routes_known(endpoints_.routes().size());
      trace_fatal_signals(endpoints_, runner_.running());
    } catch (...) {
      endpoints_.clear();
      py_ = {};
      save_coverage(std::move(coverage));
      imported.set_exception(std::current_exception());
      return;  // `interp` finalizes on the way out, on this thread
    }
    imported.set_value({endpoints_.routes(), endpoints_.settings(), endpoints_.openapi()});
    if (launch()) {
      run_loop();
      runner_.shut_down();
    }
    save_coverage(std::move(coverage));
    // Every reference goes before the interpreter does.
    endpoints_.clear();
    set_json_lowering(nullptr);
    py_ = {};
  }  // the interpreter finalizes here
  if (finished_) finished_();
}

bool gil_thread::launch() {
  std::optional<python_config> final;
  Py_BEGIN_ALLOW_THREADS
  final = go_.get_future().get();
  Py_END_ALLOW_THREADS
  if (!final) return false;
  config_ = std::move(*final);
  runner_.set_max_json_depth(config_.max_json_depth);
  // The loop, and the app's start-up hooks on it.
  if (!py_ref::steal(PyObject_CallFunction(py_.start_loop.get(), "nn", Py_ssize_t(config_.pool_workers),
                                           Py_ssize_t(config_.blocking_threads)))) {
    launched_.set_exception(std::make_exception_ptr(startup_error("cannot start the event loop:\n" + take_exception_text())));
    return false;
  }
  if (!py_ref::steal(PyObject_CallNoArgs(py_.run_startup.get()))) {
    launched_.set_exception(
        std::make_exception_ptr(startup_error("a start-up hook failed:\n" + take_exception_text())));
    call_logged(py_.close_loop.get(), "close the event loop");
    return false;
  }
  sync_.start(config_.blocking_threads, config_.gil_hold_warning);
  launched_.set_value();
  return true;
}

void gil_thread::run_loop() {
  // The loop runs until the job queue closes; each wake-up of its eventfd
  // runs one batch (`_snasio._run_batch`). Then the shutdown hooks, and the
  // clean-ups still owed, run on it before it closes.
  py_ref wake_fd = py_ref::steal(PyLong_FromLong(jobs_.wake_fd()));
  PyObject* args[] = {wake_fd.get(), py_.run_batch.get()};
  if (!wake_fd || !py_ref::steal(PyObject_Vectorcall(py_.run_loop.get(), args, 2, nullptr)))
    log::line(log::level::error, "the event loop failed:\n" + take_exception_text());
  // The sync threads end once their handlers return (the queue is closed).
  Py_BEGIN_ALLOW_THREADS
  sync_.stop();
  Py_END_ALLOW_THREADS
  call_logged(py_.run_shutdown.get(), "run the shutdown hooks");
  call_logged(py_.close_loop.get(), "close the event loop");
}

void gil_thread::call_logged(PyObject* callback, const char* what) {
  if (!py_ref::steal(PyObject_CallNoArgs(callback)))
    log::line(log::level::error, std::string("cannot ") + what + ":\n" + take_exception_text());
}

}  // namespace snasio::python
