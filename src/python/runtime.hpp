#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <asio.hpp>

#include "python/backend.hpp"
#include "python/endpoint_table.hpp"
#include "python/gil_thread.hpp"
#include "python/job_queue.hpp"
#include "python/python_config.hpp"
#include "python/reply_queue.hpp"

namespace snasio::python {

/// The Python side of a server: the GIL thread, the job queue to it, and the
/// reply queue back to the reactor whose executor it is given.
class runtime final : public backend {
 public:
  runtime(python_config config, asio::any_io_executor reactor);
  ~runtime();
  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;

  /// Starts the GIL thread and imports the app: its routes and settings;
  /// throws startup_error.
  const imported_app& start();
  /// Serves with `final` (the command line over the app's settings): runs
  /// the start-up hooks, then the loop takes jobs; throws startup_error.
  void serve(const python_config& final);
  /// The routes the app registered (after start()).
  const std::vector<python_route>& routes() const noexcept override { return app_.routes; }
  /// The app's OpenAPI document, JSON (empty when not served).
  const std::string& openapi() const noexcept { return app_.openapi; }
  /// Queues a job for the GIL thread; false (job untouched) when the queue is full (reactor).
  bool submit(job_ptr& j) override;
  /// The events of a job's life, passed on to the GIL thread with its next
  /// batch (reactor); the job is the tag its request is known by.
  void abandoned(std::uint64_t job_id) override;
  void written(std::uint64_t job_id) override;
  void room(std::uint64_t job_id) override;
  void draining() override;
  /// Jobs submitted whose answers have not reached the reactor yet (reactor).
  std::uint64_t in_flight() const noexcept { return submitted_ - replies_.delivered() - replies_.dropped(); }
  /// Where replies to jobs go; jobs' one_shots point here.
  reply_queue& replies() noexcept override { return replies_; }
  /// Closes the queue: the GIL thread finishes what is left, shuts the pools
  /// down and finalizes; then `on_stopped` runs on the reactor, after which
  /// join() does not wait (reactor). Without a GIL thread it runs at once.
  void stop(std::function<void()> on_stopped);
  /// Closes the queue if it is open, and waits for the GIL thread to end.
  void join();
  /// Stops waiting for a GIL thread that does not finish: the process is about
  /// to exit without finalizing the interpreter.
  void detach();
  /// What is still running in Python ("nothing" when nothing is), for the log.
  std::string describe_running() const;

 private:
  void tell(std::uint64_t job_id, job_event::kind what);
  void wake_later();

  python_config config_;
  asio::any_io_executor reactor_;
  bool wake_posted_ = false;  // a wake_if_needed() is posted to the reactor
  std::uint64_t submitted_ = 0;
  job_queue jobs_;
  reply_queue replies_;
  std::unique_ptr<gil_thread> thread_;
  imported_app app_;
};

}  // namespace snasio::python
