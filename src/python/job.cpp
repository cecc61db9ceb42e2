#include "python/job.hpp"

#include <mutex>
#include <vector>

namespace snasio::python {

namespace {
// glibc serves memory that one thread takes and another gives back slowly:
// the giving thread's cache of that size fills and stays full, the taking
// thread's stays empty, and each goes to the shared heap under its lock
// (callgrind: about 345 instructions to make a job, 189 to free it). A shelf
// under one uncontended lock is a few dozen each way.
struct shelf {
  std::mutex mutex;
  std::vector<void*> boxes;
};

shelf& the_shelf() {
  // Never destroyed: a job may be released while the process exits.
  static shelf* s = [] {
    auto* made = new shelf;
    made->boxes.reserve(job::boxes_kept);  // so that putting one back never allocates
    return made;
  }();
  return *s;
}
}  // namespace

void* job::operator new(std::size_t size) {
  shelf& s = the_shelf();
  {
    std::lock_guard lock(s.mutex);
    if (!s.boxes.empty()) {
      void* box = s.boxes.back();
      s.boxes.pop_back();
      return box;
    }
  }
  return ::operator new(size);
}

void job::operator delete(void* p) noexcept {
  shelf& s = the_shelf();
  {
    std::lock_guard lock(s.mutex);
    if (s.boxes.size() < job::boxes_kept) {
      s.boxes.push_back(p);
      return;
    }
  }
  ::operator delete(p);
}

}  // namespace snasio::python
