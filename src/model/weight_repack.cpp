#include "model/weight_repack.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <map>
#include <thread>

#include "hearth/error.hpp"
#include "kernels/kernel_table.hpp"
#include "kernels/packed_rows.hpp"
#include "model/repack_cache.hpp"
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

// Work in chunks of at most kChunkBytes of source rows, each released as soon as it is copied:
// resident memory then never holds more than a few chunks of both copies (a whole 280 MB output
// matrix at once put peak RSS 140 MB over the file on llama3.2-1b), and the threads share even
// the largest weight.
struct Chunk {
  const Job* job;
  int64_t g0, g1;
};
constexpr size_t kChunkBytes = size_t{8} << 20;
constexpr size_t kSliceBytes = size_t{256} << 10;  // within any current core's L2 cache

}  // namespace

struct WeightRepack::State {
  const GgufFile& file;
  std::vector<TensorView*> weights;
  std::vector<Job> jobs;
  std::map<const uint8_t*, size_t> offset_of;  // by source rows: tied weights share a copy
  std::vector<Chunk> chunks;
  std::shared_ptr<uint8_t> storage;
  std::shared_ptr<const uint8_t> cached;  // the buffer mapped from the cache file instead
  std::unique_ptr<RepackCache> cache;
  size_t total = 0;
  std::unique_ptr<platform::LargeBufferFiller> filler;
  std::atomic<size_t> next{0};
  std::vector<std::thread> threads;

  State(const GgufFile& f, const std::vector<TensorView*>& w) : file(f), weights(w) {}

  // Copies chunks until none is left (or the copy is stopped: next set past the end).
  void work() noexcept {
    const auto& table = kernels::active_kernels();
    for (size_t i; (i = next.fetch_add(1)) < chunks.size();) {
      const Chunk& c = chunks[i];
      const TensorView& w = *c.job->view;
      uint8_t* dst = storage.get() + c.job->offset;
      const kernels::GemmKernel* g = table.gemm[static_cast<int>(w.type)];
      const size_t group_bytes = kernels::kPackedRows * w.row_bytes;
      // New pages a slice at a time, each written right after the kernel zeroed it: the zeroes
      // are still in the core's cache when the copy overwrites them, instead of going out to
      // memory and coming back (a whole chunk is larger than the cache).
      const int64_t per_slice =
          std::max<int64_t>(1, static_cast<int64_t>(kSliceBytes / group_bytes));
      for (int64_t g0 = c.g0; g0 < c.g1; g0 += per_slice) {
        const int64_t g1 = std::min(c.g1, g0 + per_slice);
        filler->populate(dst + static_cast<size_t>(g0) * group_bytes,
                         static_cast<size_t>(g1 - g0) * group_bytes);
        if (g->pack_r16)
          g->pack_r16(w.data, w.row_bytes, w.n_in, g0, g1, dst);
        else
          kernels::pack_rows16(w.type, w.data, w.row_bytes, w.n_in, g0, g1, dst);
      }
      file.release_pages(w.data + static_cast<size_t>(c.g0) * group_bytes,
                         static_cast<size_t>(c.g1 - c.g0) * group_bytes);
    }
  }

  void join() noexcept {
    for (auto& t : threads)
      if (t.joinable()) t.join();
    threads.clear();
  }
};

WeightRepack::WeightRepack(const GgufFile& file, const std::vector<TensorView*>& weights,
                           const std::string& cache_dir)
    : s_(std::make_unique<State>(file, weights)) {
  if (!repack_enabled()) return;
  State& s = *s_;
  const auto& table = kernels::active_kernels();
  for (TensorView* w : weights) {
    if (!w || !*w) continue;
    const kernels::GemmKernel* g = table.gemm[static_cast<int>(w->type)];
    // Whole groups of 16 rows only: matmul reads the last n_out % 16 rows from the file.
    const int64_t full_rows = w->n_out / kernels::kPackedRows * kernels::kPackedRows;
    if (!g || !g->run_packed || !kernels::packable_rows16(w->type, w->n_in, full_rows)) continue;
    if (s.offset_of.count(w->data)) continue;
    s.offset_of[w->data] = s.total;
    s.jobs.push_back({w, s.total, full_rows});
    s.total += (w->row_bytes * static_cast<size_t>(full_rows) + 63) / 64 * 64;
  }
  if (s.jobs.empty()) return;
  if (!cache_dir.empty()) {
    std::vector<RepackedTensor> tensors;
    // The mapping's start: the offsets in the cache's header are from the file's start.
    const GgufTensorInfo& t0 = file.tensors().front();
    const uint8_t* base = t0.data - file.data_offset() - t0.offset;
    for (const Job& j : s.jobs)
      tensors.push_back({static_cast<uint64_t>(j.view->data - base), j.offset,
                         j.view->row_bytes * static_cast<size_t>(j.full_rows),
                         static_cast<uint32_t>(j.view->type), j.view->n_in, j.full_rows,
                         j.view->row_bytes});
    s.cache = std::make_unique<RepackCache>(cache_dir, file, tensors, s.total);
    s.cached = s.cache->load();
    if (s.cached) return;  // nothing to copy: finish() points the views at the mapping
  }
  s.storage = platform::allocate_large_buffer(s.total);
  if (!s.storage)
    fail(Status::kOutOfMemory,
         fmt::format("cannot allocate {} MiB for the repacked weights (HEARTH_REPACK=0 runs "
                     "without them)",
                     s.total >> 20));
  s.filler = std::make_unique<platform::LargeBufferFiller>(s.storage.get(), s.total);
  for (const Job& j : s.jobs) {
    const int64_t groups = j.full_rows / kernels::kPackedRows;
    const size_t group_bytes = kernels::kPackedRows * j.view->row_bytes;
    const int64_t per_chunk = std::max<int64_t>(1, static_cast<int64_t>(kChunkBytes / group_bytes));
    for (int64_t g = 0; g < groups; g += per_chunk)
      s.chunks.push_back({&j, g, std::min(groups, g + per_chunk)});
  }
  // All cores but the caller's start now; the caller joins in finish().
  const unsigned cores = std::max(1u, std::min(std::thread::hardware_concurrency(), 16u));
  try {
    s.threads.reserve(cores);
    for (unsigned t = 1; t < cores && t < s.chunks.size(); ++t)
      s.threads.emplace_back([&s] { s.work(); });
  } catch (const std::exception&) {
    // Fewer threads than cores (a limit on threads, no memory for one): the calling thread
    // does the rest.
  }
}

WeightRepack::~WeightRepack() {
  if (!s_) return;
  s_->next = s_->chunks.size();  // no new chunks: each thread ends after its current one
  s_->join();
}

std::shared_ptr<const uint8_t> WeightRepack::finish(size_t* bytes) {
  *bytes = 0;
  State& s = *s_;
  if (s.cached) {
    for (TensorView* w : s.weights)
      if (w && *w && s.offset_of.count(w->data)) w->packed = s.cached.get() + s.offset_of[w->data];
    *bytes = s.total;
    return std::move(s.cached);
  }
  if (!s.storage) return nullptr;
  s.work();
  s.join();
  // The pages straddling two chunks (release_pages keeps partial pages).
  for (const Job& j : s.jobs)
    s.file.release_pages(j.view->data, j.view->row_bytes * static_cast<size_t>(j.full_rows));
  for (TensorView* w : s.weights)
    if (w && *w && s.offset_of.count(w->data)) w->packed = s.storage.get() + s.offset_of[w->data];
  *bytes = s.total;
  if (s.cache) s.cache->store(s.storage.get());  // best effort, for the next load
  return std::move(s.storage);
}

std::shared_ptr<const uint8_t> repack_weights(const GgufFile& file,
                                              const std::vector<TensorView*>& weights,
                                              size_t* bytes) {
  WeightRepack repack(file, weights);
  return repack.finish(bytes);
}

}  // namespace hearth::model
