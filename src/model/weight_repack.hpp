// Repacking weights at load into the layout the active matmul kernels read (R16 for Q8_0/Q4_0,
// src/kernels/packed_rows.hpp), so that no kernel gathers rows at run time.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "hearth/gguf.hpp"
#include "hearth/model.hpp"

namespace hearth::model {

// Sets `packed` on every weight whose type the active kernel table reads in R16 and whose shape
// allows it, copying its rows into one buffer (huge-page aligned) with all cores, then releases
// the file pages of the rows it copied (file.release_pages), so resident memory holds one copy.
// Only whole groups of 16 rows are copied: matmul reads the last n_out % 16 rows (if any) from
// the file's layout.
// Views sharing `data` share one copy. Returns the buffer (null when nothing was repacked) and
// its size in *bytes.
// HEARTH_REPACK=0 in the environment turns repacking off (the row-layout kernels then run).
// Throws hearth::Error kOutOfMemory when the buffer cannot be allocated.
std::shared_ptr<const uint8_t> repack_weights(const GgufFile& file,
                                              const std::vector<TensorView*>& weights,
                                              size_t* bytes);

// The same copy in two halves, so that the rest of a load (the tokenizer: tens of milliseconds
// for a 151k-token vocabulary) runs on the calling thread while the other cores repack:
//   WeightRepack r(file, weights);  // plans, allocates and starts the other cores
//   ...                             // other work on this thread
//   buffer = r.finish(&bytes);      // this thread joins in; sets `packed` on the views
// The views and the file must outlive the object and must not change until finish() returns;
// `packed` is set only by finish(). Destroying it unfinished (an exception in between) stops
// the copy at the next chunk and joins the threads; the views keep no `packed`.
// The constructor throws hearth::Error kOutOfMemory when the buffer cannot be allocated.
// `cache_dir` (not empty): the repacked buffer's cache (model/repack_cache.hpp) in that
// directory. A matching cache file is mapped instead of repacking (no thread starts, the file's
// pages of the weights are not touched); otherwise finish() repacks and then writes the file.
class WeightRepack {
 public:
  WeightRepack(const GgufFile& file, const std::vector<TensorView*>& weights,
               const std::string& cache_dir = {});
  ~WeightRepack();
  WeightRepack(const WeightRepack&) = delete;
  WeightRepack& operator=(const WeightRepack&) = delete;

  // Repacks what the other threads have not, waits for them and returns as repack_weights.
  // Once only: a second call returns null.
  std::shared_ptr<const uint8_t> finish(size_t* bytes);

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace hearth::model
