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
  size_t offset;      // in the buffer
  int64_t full_rows;  // the rows of whole groups of 16: the ones copied
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
    // Whole groups of 16 rows only: matmul reads the last n_out % 16 rows from the file.
    const int64_t full_rows = w->n_out / kernels::kPackedRows * kernels::kPackedRows;
    if (!g || !g->run_packed || !kernels::packable_rows16(w->type, w->n_in, full_rows)) continue;
    if (offset_of.count(w->data)) continue;
    offset_of[w->data] = total;
    jobs.push_back({w, total, full_rows});
    total += (w->row_bytes * static_cast<size_t>(full_rows) + 63) / 64 * 64;
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

  // Work in chunks of at most kChunkBytes of source rows, each released as soon as it is
  // copied: resident memory then never holds more than a few chunks of both copies (a whole
  // 280 MB output matrix at once put peak RSS 140 MB over the file on llama3.2-1b), and the
  // threads share even the largest weight.
  struct Chunk {
    const Job* job;
    int64_t g0, g1;
  };
  constexpr size_t kChunkBytes = size_t{8} << 20;
  std::vector<Chunk> chunks;
  for (const Job& j : jobs) {
    const int64_t groups = j.full_rows / kernels::kPackedRows;
    const size_t group_bytes = kernels::kPackedRows * j.view->row_bytes;
    const int64_t per_chunk = std::max<int64_t>(1, static_cast<int64_t>(kChunkBytes / group_bytes));
    for (int64_t g = 0; g < groups; g += per_chunk)
      chunks.push_back({&j, g, std::min(groups, g + per_chunk)});
  }
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < chunks.size();) {
      const Chunk& c = chunks[i];
      const TensorView& w = *c.job->view;
      uint8_t* dst = buffer + c.job->offset;
      const kernels::GemmKernel* g = table.gemm[static_cast<int>(w.type)];
      const size_t group_bytes = kernels::kPackedRows * w.row_bytes;
      // The chunk's new pages in one call rather than one fault per page (most of the load).
      platform::populate_large_buffer(dst + static_cast<size_t>(c.g0) * group_bytes,
                                      static_cast<size_t>(c.g1 - c.g0) * group_bytes);
      if (g->pack_r16)
        g->pack_r16(w.data, w.row_bytes, w.n_in, c.g0, c.g1, dst);
      else
        kernels::pack_rows16(w.type, w.data, w.row_bytes, w.n_in, c.g0, c.g1, dst);
      file.release_pages(w.data + static_cast<size_t>(c.g0) * group_bytes,
                         static_cast<size_t>(c.g1 - c.g0) * group_bytes);
    }
  };
  const unsigned cores = std::max(1u, std::min(std::thread::hardware_concurrency(), 16u));
  std::vector<std::thread> threads;
  try {
    for (unsigned t = 1; t < cores && t < chunks.size(); ++t) threads.emplace_back(work);
  } catch (const std::system_error&) {
    // Fewer threads than cores (a limit on threads): the calling thread does the rest.
  }
  work();
  for (auto& t : threads) t.join();
  // The pages straddling two chunks (release_pages keeps partial pages).
  for (const Job& j : jobs)
    file.release_pages(j.view->data, j.view->row_bytes * static_cast<size_t>(j.full_rows));

  for (TensorView* w : weights)
    if (w && *w && offset_of.count(w->data)) w->packed = buffer + offset_of[w->data];
  return storage;
}

}  // namespace hearth::model
