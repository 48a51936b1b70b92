// Repacking weights at load into the layout the active matmul kernels read (R16 for Q8_0/Q4_0,
// src/kernels/packed_rows.hpp), so that no kernel gathers rows at run time.
#pragma once

#include <memory>
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

}  // namespace hearth::model
