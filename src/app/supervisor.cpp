#include "app/supervisor.hpp"

#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <random>
#include <vector>

#include "app/processes.hpp"
#include "log/log.hpp"
#include "net/listener.hpp"
#include "python/fatal_signals.hpp"

namespace snasio::app {

namespace {

using clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A worker that dies is started again after this, doubled for each death in
// a row, up to the maximum; one that lived this long before dying starts the
// count again.
constexpr milliseconds first_backoff{100};
constexpr milliseconds max_backoff{10000};
constexpr std::chrono::seconds healthy_after{10};
// How often --reload looks at the app's files.
constexpr milliseconds reload_poll{500};
// A worker's exit status when it could not start (a broken app, a bad
// setting): starting it again would fail the same way.
constexpr int startup_failed = 3;
// Room for the line a worker that crashes leaves its supervisor (the signal,
// and the request it was running), in memory both share.
constexpr std::size_t crash_note_size = 512;

struct worker {
  int number = 0;
  pid_t pid = 0;  // 0: not running
  clock::time_point started;
  clock::time_point start_at;  // when to start it again
  milliseconds backoff{0};
};

// How a worker ended; a crash with the line it left (`note`).
std::string outcome(int status, const char* note) {
  if (!WIFSIGNALED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  std::string crashed = note && *note ? " (" + std::string(note).substr(std::string_view("snasio: ").size()) + ")" : "";
  return "was killed by " + signal_name(WTERMSIG(status)) + crashed;
}

std::string seconds(milliseconds d) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", double(d.count()) / 1000);
  return text;
}

// What --reload compares: every .py file under the app dir with its
// modification time, so an edit, a new file and a removed one all count.
std::vector<std::pair<std::string, std::filesystem::file_time_type>> python_files(const std::string& dir) {
  std::vector<std::pair<std::string, std::filesystem::file_time_type>> files;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec); !ec && it != decltype(it)(); it.increment(ec))
    if (it->path().extension() == ".py") files.emplace_back(it->path().string(), it->last_write_time(ec));
  std::sort(files.begin(), files.end());
  return files;
}

// Binds the socket every worker will serve; returns its descriptor.
int bind_listener(config& cfg, std::string& url) {
  asio::io_context io;
  net::listener listener(io.get_executor(), cfg.server);
  url = listener.url();
  return listener.release();
}

void close_listener(config& cfg) {
  if (cfg.server.listen_fd < 0) return;
  ::close(cfg.server.listen_fd);
  cfg.server.listen_fd = -1;
  if (!cfg.server.uds.empty()) ::unlink(cfg.server.uds.c_str());
}

}  // namespace

int supervise(config cfg, const std::function<int(const config&)>& run_worker) {
  log::set_level(cfg.log_level);
  std::string url;
  try {
    cfg.server.listen_fd = bind_listener(cfg, url);
  } catch (const std::exception& e) {
    std::cerr << "snasio-serve: " << e.what() << "\n";
    return 1;
  }
  std::cout << "snasio listening on " << url << std::endl;

  // Signals wait here until sigtimedwait takes them; workers get the mask back.
  sigset_t watched, original;
  sigemptyset(&watched);
  for (int s : {SIGCHLD, SIGINT, SIGTERM}) sigaddset(&watched, s);
  sigprocmask(SIG_BLOCK, &watched, &original);

  std::vector<worker> workers(cfg.workers);
  // One crash note per worker, in memory the forked workers share with us.
  void* shared = ::mmap(nullptr, crash_note_size * workers.size(), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                        -1, 0);
  char* notes = shared == MAP_FAILED ? nullptr : static_cast<char*>(shared);
  auto note_of = [&](const worker& w) { return notes ? notes + crash_note_size * std::size_t(w.number - 1) : nullptr; };
  std::mt19937 random(std::random_device{}());
  auto start = [&](worker& w) {
    config own = cfg;
    // Jitter, so workers started together are not all replaced together.
    if (own.max_requests > 0) own.max_requests += random() % (own.max_requests / 10 + 1);
    std::fflush(nullptr);
    pid_t pid = ::fork();
    if (pid == 0) {
      sigprocmask(SIG_SETMASK, &original, nullptr);
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // if the supervisor dies, drain and go
      log::set_tag("worker " + std::to_string(w.number));
      python::leave_crash_note_in(note_of(w), crash_note_size);
      exit_now(run_worker(own));  // not through main's return: the supervisor's state is not the worker's
    }
    w.pid = pid;
    w.started = clock::now();
    log::line("worker " + std::to_string(w.number) + " started (pid " + std::to_string(pid) + ")");
  };

  for (std::size_t i = 0; i < workers.size(); ++i) workers[i].number = int(i + 1);
  // --app without --app-dir imports from the current directory: that is what is watched.
  const std::string watch_dir = cfg.python.app_dir.empty() ? "." : cfg.python.app_dir;
  if (cfg.reload)
    log::line(log::level::warning, "--reload: watching " + watch_dir + " for changes to .py files; for development only");
  auto files = cfg.reload ? python_files(watch_dir) : decltype(python_files("")){};
  bool stopping = false, failed = false;
  for (;;) {
    int status = 0;
    for (pid_t pid; (pid = ::waitpid(-1, &status, WNOHANG)) > 0;) {
      auto w = std::find_if(workers.begin(), workers.end(), [pid](const worker& x) { return x.pid == pid; });
      if (w == workers.end()) continue;
      w->pid = 0;
      std::string who = "worker " + std::to_string(w->number) + " (pid " + std::to_string(pid) + ")";
      bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
      if (stopping) {
        failed = failed || !clean;
        log::line(who + " " + (clean ? "stopped" : outcome(status, note_of(*w))));
      } else if (clean) {
        log::line(who + " finished (--max-requests or --reload): starting another");
        w->start_at = clock::now();
      } else if (WIFEXITED(status) && WEXITSTATUS(status) == startup_failed && !cfg.reload) {
        log::line(log::level::error, who + " could not start: stopping");
        stopping = failed = true;
        for (const auto& other : workers)
          if (other.pid) ::kill(other.pid, SIGTERM);
      } else {
        auto now = clock::now();
        if (now - w->started >= healthy_after) w->backoff = milliseconds{0};
        w->backoff = w->backoff.count() == 0 ? first_backoff : std::min(w->backoff * 2, max_backoff);
        w->start_at = now + w->backoff;
        log::line(log::level::warning,
                  who + " " + outcome(status, note_of(*w)) + ": starting it again in " + seconds(w->backoff));
      }
    }
    bool running = std::any_of(workers.begin(), workers.end(), [](const worker& w) { return w.pid != 0; });
    if (stopping && !running) break;

    auto now = clock::now();
    auto wake = now + (cfg.reload ? reload_poll : milliseconds{1000});
    if (!stopping) {
      if (cfg.reload) {
        if (auto seen = python_files(watch_dir); seen != files) {
          files = std::move(seen);
          log::line("--reload: a .py file changed: restarting the worker(s)");
          for (auto& w : workers) {
            if (w.pid) ::kill(w.pid, SIGTERM);
            w.start_at = now;
            w.backoff = milliseconds{0};
          }
        }
      }
      for (auto& w : workers) {
        if (w.pid == 0 && w.start_at <= now) start(w);
        if (w.pid == 0) wake = std::min(wake, w.start_at);
      }
    }

    auto wait = std::max(std::chrono::duration_cast<std::chrono::nanoseconds>(wake - clock::now()),
                         std::chrono::nanoseconds{0});
    timespec timeout{time_t(wait.count() / 1000000000), long(wait.count() % 1000000000)};
    int signo = ::sigtimedwait(&watched, nullptr, &timeout);
    if (signo == SIGINT || signo == SIGTERM) {
      if (!stopping) {
        log::line("received " + signal_name(signo) + ": stopping the workers");
        // The workers close their copies as they start to drain; with this
        // one closed too, new connections are refused at once (a proxy
        // tries another instance) instead of waiting in the backlog.
        close_listener(cfg);
      }
      stopping = true;
      for (const auto& w : workers)
        if (w.pid) ::kill(w.pid, signo);  // each drains; a second signal makes each exit at once
    }
  }
  close_listener(cfg);
  log::line(failed ? "stopped; not every worker stopped cleanly" : "every worker stopped");
  return failed ? 1 : 0;
}

}  // namespace snasio::app
