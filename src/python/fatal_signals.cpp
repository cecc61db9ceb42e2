#include "python/fatal_signals.hpp"

#include <pthread.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <string_view>

#include "python/errors.hpp"
#include "python/sync_runners.hpp"

namespace snasio::python {

namespace {

constexpr int fatal[] = {SIGSEGV, SIGBUS, SIGFPE, SIGABRT, SIGILL};

// What the handler reads. Set once at start-up, before the handler is
// installed; plain pointers, as a signal handler may read nothing else.
const endpoint_table* routes = nullptr;
const running_jobs* async_jobs = nullptr;
pthread_t loop_thread{};  // the GIL thread, which runs the loop and owns async_jobs
volatile std::sig_atomic_t handling = 0;  // set once the line is being written
char* note = nullptr;
std::size_t note_size = 0;
struct sigaction before[std::size(fatal)];  // faulthandler's, called after our line

// The line is built in a fixed buffer: no allocation in a signal handler.
class line_buffer {
 public:
  line_buffer& operator<<(std::string_view s) {
    std::size_t n = std::min(s.size(), sizeof text_ - 1 - size_);
    std::memcpy(text_ + size_, s.data(), n);
    size_ += n;
    return *this;
  }
  line_buffer& operator<<(long n) {
    char digits[24];
    std::size_t i = sizeof digits;
    unsigned long v = n < 0 ? 0ul - static_cast<unsigned long>(n) : static_cast<unsigned long>(n);
    do digits[--i] = char('0' + v % 10); while ((v /= 10) != 0);
    if (n < 0) digits[--i] = '-';
    return *this << std::string_view(digits + i, sizeof digits - i);
  }
  std::string_view text() const { return {text_, size_}; }

 private:
  char text_[1024];
  std::size_t size_ = 0;
};

std::string_view signal_name(int signo) {
  switch (signo) {
    case SIGSEGV: return "SIGSEGV (segmentation fault)";
    case SIGBUS: return "SIGBUS (bus error)";
    case SIGFPE: return "SIGFPE (arithmetic error)";
    case SIGABRT: return "SIGABRT (abort)";
    case SIGILL: return "SIGILL (illegal instruction)";
    default: return "a fatal signal";
  }
}

void name_job(line_buffer& out, const job& j) {
  out << j.method << " " << j.path << " (" << routes->route(j.route).name << ") [request " << j.request_id << "]";
}

// What was running: the crashing sync thread's request; on the loop, the
// async handlers running (one of them crashed: the traceback says which);
// elsewhere, how many of each route were.
void describe_work(line_buffer& out) {
  if (const job* j = sync_runners::current_job()) {
    out << " in ";
    name_job(out, *j);
    return;
  }
  if (pthread_equal(pthread_self(), loop_thread)) {
    // The crashing thread owns the table: nothing changes it meanwhile.
    out << " on the event loop, in one of these async handlers: ";
    int shown = 0;
    async_jobs->each([&](const job& j) {
      if (shown++ < 8) {
        if (shown > 1) out << ", ";
        name_job(out, j);
      }
    });
    if (shown == 0) out << "none (the loop's own work)";
    if (shown > 8) out << " and " << long(shown - 8) << " more";
    return;
  }
  out << " outside the handlers' threads";
  bool first = true;
  for (std::size_t i = 0; i < async_jobs->route_count(); ++i) {
    int n = async_jobs->count_of(i);
    if (n <= 0) continue;
    out << (first ? "; async handlers running: " : ", ") << routes->route(i).name;
    if (n > 1) out << " x" << long(n);
    first = false;
  }
}

void write_line(int signo);

void on_fatal_signal(int signo) {
  // A fault while writing the line (a table caught half-changed) goes
  // straight to faulthandler.
  if (handling == 0) {
    handling = 1;
    write_line(signo);
  }
  for (std::size_t i = 0; i < std::size(fatal); ++i)
    if (fatal[i] == signo) sigaction(signo, &before[i], nullptr);
  raise(signo);
}

void write_line(int signo) {
  line_buffer line;
  line << "snasio: fatal signal " << signal_name(signo);
  describe_work(line);
  line << "\n";
  std::string_view text = line.text();
  [[maybe_unused]] auto written = ::write(STDERR_FILENO, text.data(), text.size());
  if (note && note_size > 0) {
    std::size_t n = std::min(text.size() - 1, note_size - 1);  // without the newline
    std::memcpy(note, text.data(), n);
    note[n] = '\0';
  }
  // faulthandler's handler runs next: it writes every thread's traceback,
  // then lets the signal end the process (it restores the default action,
  // which it found, and raises the signal again).
}

}  // namespace

void leave_crash_note_in(char* buffer, std::size_t size) {
  note = buffer;
  note_size = size;
  if (note && note_size > 0) note[0] = '\0';
}

void trace_fatal_signals(const endpoint_table& endpoints, const running_jobs& jobs) {
  routes = &endpoints;
  async_jobs = &jobs;
  loop_thread = pthread_self();
  // faulthandler first: our handler runs before it and hands the signal on.
  py_ref module = py_ref::steal(PyImport_ImportModule("faulthandler"));
  py_ref enable = module ? py_ref::steal(PyObject_GetAttrString(module.get(), "enable")) : py_ref{};
  py_ref args = py_ref::steal(PyTuple_New(0));
  py_ref kwargs = py_ref::steal(Py_BuildValue("{s:O}", "all_threads", Py_True));
  if (!enable || !args || !kwargs || !py_ref::steal(PyObject_Call(enable.get(), args.get(), kwargs.get())))
    throw startup_error("cannot enable faulthandler:\n" + take_exception_text());
  struct sigaction ours {};
  ours.sa_handler = on_fatal_signal;
  sigemptyset(&ours.sa_mask);
  // SA_NODEFER: the signal raised again inside the handler reaches
  // faulthandler at once; SA_ONSTACK: where faulthandler set an alternate stack.
  ours.sa_flags = SA_NODEFER | SA_ONSTACK;
  for (std::size_t i = 0; i < std::size(fatal); ++i) sigaction(fatal[i], &ours, &before[i]);
}

}  // namespace snasio::python
