#include "model/weight_repack.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <map>
#include <system_error>
#include <thread>

#include "hearth/error.hpp"
#include "kernels/kernel_table.hpp"
#include "kernels/packed_rows.hpp"
#include "platform/large_buffer.hpp"

namespace hearth::model {
namespace {

bool repack_enabled() {
  const char* v = std::getenv("HEARTH_REPACK");
  return !(v && std::strcmp(v, "0") == 0);
}

// One weight to copy: its source rows and where its R16 copy goes.
struct Job {
  const TensorView* view;
  size_t offset;  // in the buffer
};

}  // namespace

std::shared_ptr<const uint8_t> repack_weights(const GgufFile& file,
                                              const std::vector<TensorView*>& weights,
                                              size_t* bytes) {
  *bytes = 0;
  if (!repack_enabled()) return nullptr;
  const auto& table = kernels::active_kernels();
  std::vector<Job> jobs;
  std::map<const uint8_t*, size_t> offset_of;  // by source rows: tied weights share a copy
  size_t total = 0;
  for (TensorView* w : weights) {
    if (!w || !*w) continue;
    const kernels::GemmKernel* g = table.gemm[static_cast<int>(w->type)];
    if (!g || !g->run_packed || !kernels::packable_rows16(w->type, w->n_in, w->n_out)) continue;
    if (offset_of.count(w->data)) continue;
    offset_of[w->data] = total;
    jobs.push_back({w, total});
    total += (w->row_bytes * static_cast<size_t>(w->n_out) + 63) / 64 * 64;
  }
  if (jobs.empty()) return nullptr;
  std::shared_ptr<uint8_t> storage = platform::allocate_large_buffer(total);
  if (!storage)
    fail(Status::kOutOfMemory,
         fmt::format("cannot allocate {} MiB for the repacked weights (HEARTH_REPACK=0 runs "
                     "without them)",
                     total >> 20));
  uint8_t* buffer = storage.get();
  *bytes = total;

  // Largest first, so the threads finish together; each thread takes the next weight.
  std::sort(jobs.begin(), jobs.end(), [](const Job& a, const Job& b) {
    return a.view->n_out * a.view->row_bytes > b.view->n_out * b.view->row_bytes;
  });
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < jobs.size();) {
      const TensorView& w = *jobs[i].view;
      const int64_t groups = w.n_out / kernels::kPackedRows;
      const kernels::GemmKernel* g = table.gemm[static_cast<int>(w.type)];
      if (g->pack_r16)
        g->pack_r16(w.data, w.row_bytes, w.n_in, 0, groups, buffer + jobs[i].offset);
      else
        kernels::pack_rows16(w.type, w.data, w.row_bytes, w.n_in, 0, groups,
                             buffer + jobs[i].offset);
      file.release_pages(w.data, w.row_bytes * static_cast<size_t>(w.n_out));
    }
  };
  const unsigned cores = std::max(1u, std::min(std::thread::hardware_concurrency(), 16u));
  std::vector<std::thread> threads;
  try {
    for (unsigned t = 1; t < cores && t < jobs.size(); ++t) threads.emplace_back(work);
  } catch (const std::system_error&) {
    // Fewer threads than cores (a limit on threads): the calling thread does the rest.
  }
  work();
  for (auto& t : threads) t.join();

  for (TensorView* w : weights)
    if (w && *w && offset_of.count(w->data)) w->packed = buffer + offset_of[w->data];
  return storage;
}

}  // namespace hearth::model
