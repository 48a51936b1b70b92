// hearth quantize: GGUF -> GGUF with re-quantized weights. The per-tensor types come from
// plan_tensor_types (quantize_plan.cpp, llama.cpp's rules); this file reproduces the rest of
// llama-quantize's output byte for byte: tensor order, metadata order and the two keys it sets.
#include "hearth/quantize_model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>

#include "core/thread_pool.hpp"
#include "hearth/error.hpp"
#include "hearth/gguf.hpp"
#include "hearth/quant.hpp"

namespace hearth {

void quantize_model(const QuantizeOptions& o) {
  if (o.input.empty() || o.output.empty())
    fail(Status::kInvalidArgument, "quantize: input and output paths are required");
  const auto in = GgufFile::open(o.input);
  // Tensors in llama-quantize's order, so that the files match byte for byte.
  std::vector<std::string> names;
  for (const auto& t : in->tensors()) names.push_back(t.name);
  std::vector<const GgufTensorInfo*> tensors;
  for (size_t i : llama_tensor_order(names)) tensors.push_back(&in->tensors()[i]);
  std::vector<TensorDesc> descs;
  uint64_t total = 0;
  for (const auto* t : tensors) {
    descs.push_back({t->name, t->dims, t->type});
    total += t->n_elements;
  }
  const std::vector<DType> types = plan_tensor_types(o.type, descs, quantize_model_info(*in));

  GgufWriter writer(in->alignment());
  // llama.cpp re-adds the two keys it sets at the end, wherever the input had them.
  for (const auto& [key, value] : in->metadata())
    if (key != "general.quantization_version" && key != "general.file_type") writer.set(key, value);
  writer.set_u32("general.quantization_version", 2);
  writer.set_u32("general.file_type", quantize_file_type(o.type));

  ThreadPool pool(o.n_threads);
  uint64_t done = 0;
  auto report = [&] {
    if (o.progress && !o.progress(done, total))
      fail(Status::kCancelled, "quantize: cancelled; no output written");
  };
  report();
  for (size_t k = 0; k < tensors.size(); ++k) {
    const GgufTensorInfo& t = *tensors[k];
    const DType to = types[k];
    if (o.log)
      o.log(fmt::format("[{:4}/{:4}] {:<32} {:>5} -> {}", k + 1, tensors.size(), t.name,
                        dtype_name(t.type), dtype_name(to)));
    if (to == t.type) {
      writer.add_tensor_ref(t.name, t.type, t.dims, t.data, t.n_bytes);
      done += t.n_elements;
      report();
      continue;
    }
    const uint64_t ne0 = t.dims.empty() ? 1 : t.dims[0];
    const uint64_t n_rows = ne0 ? t.n_elements / ne0 : 0;
    const size_t src_row = *row_bytes(t.type, ne0);
    const size_t dst_row = *row_bytes(to, ne0);
    std::vector<uint8_t> data(dst_row * n_rows);
    // Chunks of about 1M elements between progress reports; rows in parallel within a chunk.
    const uint64_t chunk_rows = std::max<uint64_t>(1, (1u << 20) / std::max<uint64_t>(ne0, 1));
    for (uint64_t r0 = 0; r0 < n_rows; r0 += chunk_rows) {
      const uint64_t r1 = std::min(n_rows, r0 + chunk_rows);
      parallel_for(&pool, static_cast<int64_t>(r1 - r0), [&](int64_t b, int64_t e) {
        std::vector<float> row(ne0);
        for (int64_t r = b; r < e; ++r) {
          const uint64_t i = r0 + static_cast<uint64_t>(r);
          dequantize_row(t.type, t.data + i * src_row, row.data(), ne0);
          quantize_row(to, row.data(), data.data() + i * dst_row, ne0);
        }
      });
      done += (r1 - r0) * ne0;
      report();
    }
    writer.add_tensor(t.name, to, t.dims, std::move(data));
  }
  writer.write(o.output);
}

}  // namespace hearth
