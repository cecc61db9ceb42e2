#include "python/running_jobs.hpp"

namespace snasio::python {

void running_jobs::routes_known(std::size_t count) {
  by_route_ = std::make_unique<std::atomic<int>[]>(count);
  route_count_ = count;
}

void running_jobs::count(std::size_t route, int change) noexcept {
  if (route < route_count_) by_route_[route].fetch_add(change, std::memory_order_relaxed);
}

void running_jobs::add(job_ptr j, py_ref task, py_ref request) {
  count(j->route, +1);
  // The request's bytes are in the Request now: the job keeps only what names it.
  j->headers = {};
  j->body = {};
  std::uint64_t id = j->id;
  jobs_.emplace(id, running{std::move(j), std::move(task), std::move(request)});
}

void running_jobs::first_step(job* j) noexcept {
  if (first_step_) count(first_step_->route, -1);
  first_step_ = j;
  if (j) count(j->route, +1);
}

running_jobs::running* running_jobs::find(std::uint64_t id) {
  auto it = jobs_.find(id);
  return it == jobs_.end() ? nullptr : &it->second;
}

std::optional<running_jobs::running> running_jobs::take(std::uint64_t id) {
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return std::nullopt;
  running r = std::move(it->second);
  jobs_.erase(it);
  count(r.j->route, -1);
  return r;
}

std::unordered_map<std::uint64_t, running_jobs::running> running_jobs::take_all() {
  for (const auto& [id, r] : jobs_) count(r.j->route, -1);
  return std::exchange(jobs_, {});
}

std::string running_jobs::describe() const {
  std::string out;
  for (std::size_t i = 0; i < route_count_; ++i) {
    int n = by_route_[i].load(std::memory_order_relaxed);
    if (n <= 0) continue;
    out += (out.empty() ? "" : ", ") + endpoints_.route(i).name + " (async)" + (n > 1 ? " x" + std::to_string(n) : "");
  }
  return out;
}

}  // namespace snasio::python
