// hearth's matmul against oneDNN's, and the knowledge base's vector scan against OpenBLAS's
// sgemm: the measurements behind docs/architecture.md "Third-party libraries".
//
//   hearth_bench_onednn [--threads T] [--reps R] [--skip-kb]
//
// The paths run alternately in the same process on the same data (hearth, oneDNN tiles, oneDNN
// OpenMP, hearth, ...), and the report gives medians and their ratio, so that a machine loaded
// by other processes slows both sides alike instead of skewing one run against the other.
//
// "hearth": hearth::matmul (src/model/matmul.cpp) with oneDNN off (HEARTH_ONEDNN=0): the
// kernel table's kernels on weights in the file layout, exactly as the forward pass calls them.
// "tiles": hearth::matmul with oneDNN on, i.e. what ships (src/kernels/onednn/): single-threaded
// oneDNN calls on fixed 64-row tiles of the weights, spread over hearth's ThreadPool(T).
// "omp": one oneDNN matmul primitive over the whole matrix with OpenMP's T threads (Debian's
// oneDNN is an OpenMP build), created once per shape outside the timing, reading the weights
// where they lie ([N][K] rows: oneDNN's `ba` layout); the activations' conversion to bf16 is
// inside its timing. Same semantics everywhere: operands in the weight type, f32 sums.
// (An earlier version also timed weights reordered to oneDNN's preferred layout at load; it
// was no faster than reading them in place, docs/architecture.md.)
#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <oneapi/dnnl/dnnl.hpp>
#include <random>
#include <string>
#include <vector>

#include "core/thread_pool.hpp"
#include "hearth/cpu.hpp"
#include "hearth/quant.hpp"
#include "kernels/onednn/onednn_matmul.hpp"
#include "model/matmul.hpp"
#if HEARTH_BENCH_KB
#include <cblas.h>

#include "kb/vector_index.hpp"
#endif

namespace {

using Clock = std::chrono::steady_clock;
using hearth::DType;
using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string fmt_num(double v, const char* f) {
  char buf[32];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// OpenMP's thread count, through the symbol libgomp (loaded with libdnnl) exports, so that
// this program needs no -fopenmp of its own.
void set_omp_threads(int n) {
  using Fn = void (*)(int);
  if (auto fn = reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, "omp_set_num_threads"))) fn(n);
}

// Weights of one type from fixed random floats: [N][K] rows as in a GGUF file.
std::vector<uint8_t> make_weights(DType type, int64_t n_out, int64_t n_in) {
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 0.05f);
  const size_t rb = *hearth::row_bytes(type, static_cast<uint64_t>(n_in));
  std::vector<uint8_t> w(rb * static_cast<size_t>(n_out));
  std::vector<float> row(static_cast<size_t>(n_in));
  for (int64_t r = 0; r < n_out; ++r) {
    for (auto& v : row) v = normal(rng);
    hearth::quantize_row(type, row.data(), w.data() + r * rb, row.size());
  }
  return w;
}

dt dnnl_type(DType t) {
  return t == DType::F32 ? dt::f32 : t == DType::F16 ? dt::f16 : dt::bf16;
}

struct Row {
  std::string what;
  double hearth_ms = 0, file_ms = 0, tiles_ms = 0;
  double max_rel_diff = 0;
  std::string impl;
};

// One shape and weight type: hearth and both oneDNN variants, alternating.
Row compare(DType type, int64_t M, int64_t K, int64_t N, int reps, hearth::ThreadPool* pool,
            const dnnl::engine& eng, dnnl::stream& strm) {
  Row row;
  row.what = std::string(hearth::dtype_name(type)) + " M=" + std::to_string(M) +
             " K=" + std::to_string(K) + " N=" + std::to_string(N);
  const auto w = make_weights(type, N, K);
  std::vector<float> x(static_cast<size_t>(M * K));
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> uni(-1.0f, 1.0f);
  for (auto& v : x) v = uni(rng);
  std::vector<float> y_hearth(static_cast<size_t>(M * N)), y_dnnl(y_hearth.size()),
      y_tiles(y_hearth.size());

  hearth::TensorView W;
  W.type = type;
  W.n_in = K;
  W.n_out = N;
  W.row_bytes = w.size() / static_cast<size_t>(N);
  W.data = w.data();

  // oneDNN: src [M][K] in the weight type (converted from f32 by a reorder, timed), weights
  // K x N over the file's rows, dst [M][N] f32.
  const dt wt = dnnl_type(type);
  const dnnl::memory::desc x32_md({M, K}, dt::f32, tag::ab), src_md({M, K}, wt, tag::ab);
  const dnnl::memory::desc w_file_md({K, N}, wt, tag::ba);
  const dnnl::memory::desc dst_md({M, N}, dt::f32, tag::ab);
  dnnl::memory x32(x32_md, eng, x.data()), src(src_md, eng);
  dnnl::memory w_file(w_file_md, eng, const_cast<uint8_t*>(w.data()));
  dnnl::memory dst(dst_md, eng, y_dnnl.data());
  std::unique_ptr<dnnl::matmul> mm_file;
  try {
    const dnnl::matmul::primitive_desc pd_file(dnnl::matmul::desc(src_md, w_file_md, dst_md), eng);
    row.impl = pd_file.impl_info_str();
    mm_file = std::make_unique<dnnl::matmul>(pd_file);
  } catch (const dnnl::error& e) {
    row.impl = std::string("unsupported: ") + e.what();
  }
  const bool convert = wt != dt::f32;
  dnnl::reorder to_src = convert ? dnnl::reorder(x32, src) : dnnl::reorder();
  const auto run_dnnl = [&](dnnl::matmul& mm, const dnnl::memory& weights) {
    const dnnl::memory& in = convert ? src : x32;
    if (convert) to_src.execute(strm, x32, src);
    mm.execute(strm, {{DNNL_ARG_SRC, in}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, dst}});
    strm.wait();
  };

  namespace onednn = hearth::kernels::onednn;
  onednn::set_enabled(true);
  const bool tiles = onednn::takes(W, static_cast<int>(M));
  std::vector<double> t_h, t_f, t_t;
  for (int i = -1; i < reps; ++i) {  // i = -1: warm-up (page faults, primitive caches)
    onednn::set_enabled(false);
    auto t0 = Clock::now();
    hearth::matmul(W, x.data(), y_hearth.data(), static_cast<int>(M), pool);
    if (i >= 0) t_h.push_back(seconds_since(t0));
    onednn::set_enabled(true);
    if (tiles) {
      t0 = Clock::now();
      hearth::matmul(W, x.data(), y_tiles.data(), static_cast<int>(M), pool);
      if (i >= 0) t_t.push_back(seconds_since(t0));
    }
    if (mm_file) {
      t0 = Clock::now();
      run_dnnl(*mm_file, w_file);
      if (i >= 0) t_f.push_back(seconds_since(t0));
    }
  }
  row.hearth_ms = 1e3 * median(t_h);
  if (mm_file) row.file_ms = 1e3 * median(t_f);
  if (tiles) {
    row.tiles_ms = 1e3 * median(t_t);
    // Same products, other summation order (oneDNN blocks K): relative to the largest |y|.
    double max_abs = 0, max_diff = 0;
    for (size_t i = 0; i < y_hearth.size(); ++i) {
      max_abs = std::max(max_abs, std::fabs(static_cast<double>(y_hearth[i])));
      max_diff = std::max(max_diff, std::fabs(static_cast<double>(y_hearth[i]) - y_tiles[i]));
    }
    row.max_rel_diff = max_abs > 0 ? max_diff / max_abs : 0;
  }
  return row;
}

#if HEARTH_BENCH_KB
// The knowledge base's exact vector search for Q queries at once: Q scans of the KB's own loop
// (kb::VectorIndex, ScanMethod::kLoop), Q cblas_sgemv (kBlas), one cblas_sgemm (the matrix
// read once for all queries). Milliseconds per query, medians.
void kb_scan(int reps, int threads) {
  const int64_t n = 100000, d = 384;
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> data(static_cast<size_t>(n * d));
  for (auto& v : data) v = normal(rng);
  hearth::kb::VectorIndex index(static_cast<int>(d));
  for (int64_t r = 0; r < n; ++r) index.add(r, data.data() + r * d);
  openblas_set_num_threads(threads);
  std::printf("\nknowledge-base scan, %lld x %lld floats, ms per query (median of %d)\n",
              static_cast<long long>(n), static_cast<long long>(d), reps);
  std::printf("%-10s %10s %10s %10s %12s\n", "queries", "kb loop", "sgemv", "sgemm", "loop/sgemm");
  for (const int Q : {1, 8, 32}) {
    std::vector<float> q(static_cast<size_t>(Q * d)), out(static_cast<size_t>(Q * n));
    for (auto& v : q) v = normal(rng);
    std::vector<double> t_l, t_v, t_g;
    for (int i = -1; i < reps; ++i) {
      auto t0 = Clock::now();
      for (int j = 0; j < Q; ++j)
        index.scores(q.data() + j * d, out.data() + j * n, hearth::kb::ScanMethod::kLoop);
      if (i >= 0) t_l.push_back(seconds_since(t0) / Q);
      t0 = Clock::now();
      for (int j = 0; j < Q; ++j)
        index.scores(q.data() + j * d, out.data() + j * n, hearth::kb::ScanMethod::kBlas);
      if (i >= 0) t_v.push_back(seconds_since(t0) / Q);
      t0 = Clock::now();
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Q, static_cast<blasint>(n),
                  static_cast<blasint>(d), 1.0f, q.data(), static_cast<blasint>(d), data.data(),
                  static_cast<blasint>(d), 0.0f, out.data(), static_cast<blasint>(n));
      if (i >= 0) t_g.push_back(seconds_since(t0) / Q);
    }
    const double l = 1e3 * median(t_l), v = 1e3 * median(t_v), g = 1e3 * median(t_g);
    std::printf("%-10d %10.2f %10.2f %10.2f %12.2f\n", Q, l, v, g, l / g);
  }
}
#endif

}  // namespace

int main(int argc, char** argv) {
  int threads = 1, reps = 7;
  bool kb = true;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) {
      threads = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--reps" && i + 1 < argc) {
      reps = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--skip-kb") {
      kb = false;
    } else {
      std::fprintf(stderr, "usage: %s [--threads T] [--reps R] [--skip-kb]\n", argv[0]);
      return 2;
    }
  }
  set_omp_threads(threads);
  std::unique_ptr<hearth::ThreadPool> pool;
  if (threads > 1) pool = std::make_unique<hearth::ThreadPool>(threads);
  const dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  dnnl::stream strm(eng);
  const dnnl_version_t* v = dnnl_version();
  std::printf("cpu: %s | %s | oneDNN %d.%d.%d | threads %d | reps %d\n",
              hearth::cpu_features().brand.c_str(), hearth::isa_name(hearth::active_isa()),
              v->major, v->minor, v->patch, threads, reps);
  std::printf("ms: medians; ratio > 1: oneDNN faster; diff: max |hearth - tiles| / max |y|\n");
  std::printf("%-30s %9s %9s %9s %8s %8s %9s  %s\n", "shape", "hearth", "tiles", "omp", "h/tiles",
              "h/omp", "diff", "oneDNN implementation");
  // qwen2.5-0.5b: the FFN up/gate (896 -> 4864) and down (4864 -> 896) projections; M = 512 a
  // prompt, 8 / 32 / 64 the engine's decode batches.
  const int64_t shapes[][2] = {{896, 4864}, {4864, 896}};
  for (const DType type : {DType::F32, DType::BF16, DType::F16})
    for (const auto& s : shapes)
      for (const int64_t M : {512, 128, 64, 32, 8}) {
        if (s[0] == 4864 && M != 512 && M != 32) continue;  // the down shape: two batch sizes
        const Row r = compare(type, M, s[0], s[1], reps, pool.get(), eng, strm);
        const auto ms = [](double v) { return v > 0 ? fmt_num(v, "%.2f") : std::string("-"); };
        const auto ratio = [&](double v) {
          return v > 0 ? fmt_num(r.hearth_ms / v, "%.2f") : std::string("-");
        };
        std::printf("%-30s %9s %9s %9s %8s %8s %9s  %s\n", r.what.c_str(), ms(r.hearth_ms).c_str(),
                    ms(r.tiles_ms).c_str(), ms(r.file_ms).c_str(), ratio(r.tiles_ms).c_str(),
                    ratio(r.file_ms).c_str(),
                    r.tiles_ms > 0 ? fmt_num(r.max_rel_diff, "%.1e").c_str() : "-", r.impl.c_str());
        std::fflush(stdout);
      }
#if HEARTH_BENCH_KB
  if (kb) kb_scan(reps, threads);
#else
  (void)kb;
#endif
  return 0;
}
