// Attention reading K/V through a block table (kernels::KvBlocks), as the engine's paged pool
// hands it over: blocks scattered in memory, in any order, the last one partly filled. The
// result must be the bits of the same algorithm over one contiguous cache (Context's layout,
// held to llama.cpp's logits by the fidelity tests), whatever the blocks and the threads.
//
// The driver and end-to-end tests are in the Engine suite, so that the fidelity_isa_* ctest
// entries (filter Engine.*) run them under every forced kernel level too; the kernel test walks
// every table of this CPU itself.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "context/attention.hpp"
#include "core/thread_pool.hpp"
#include "engine/engine.hpp"
#include "hearth/context.hpp"
#include "hearth/quant.hpp"
#include "hearth/tokenizer.hpp"
#include "kernels/kernel_table.hpp"
#include "test_data.hpp"

namespace hearth {
namespace {

constexpr int kBlock = 16;  // the engine's block size (engine/block_pool.hpp)

// One sequence's K/V cells twice: contiguous ([n][kv_dim]), and copied into blocks of kBlock
// rows that lie in a shuffled order inside a larger pool, with garbage in every other row.
struct Cells {
  int n = 0;
  int64_t kv_dim = 0;
  std::vector<uint16_t> K, V;            // contiguous
  std::vector<uint16_t> pool_k, pool_v;  // the blocks, [n_pool][kBlock][kv_dim]
  std::vector<const uint16_t*> k_bases, v_bases;

  Cells(int n_cells, int64_t dim, std::mt19937& rng) : n(n_cells), kv_dim(dim) {
    std::normal_distribution<float> normal(0.0f, 1.0f);
    K.resize(static_cast<size_t>(n) * kv_dim);
    V.resize(K.size());
    for (auto& h : K) h = fp32_to_fp16(normal(rng));
    for (auto& h : V) h = fp32_to_fp16(normal(rng));
    const int n_blocks = (n + kBlock - 1) / kBlock;
    const int n_pool = 2 * n_blocks + 1;  // spare blocks: the table is not a dense range
    std::vector<int> where(n_pool);
    std::iota(where.begin(), where.end(), 0);
    std::shuffle(where.begin(), where.end(), rng);
    const size_t block_halves = static_cast<size_t>(kBlock) * kv_dim;
    // Garbage everywhere (large values: a stray read would change the result).
    pool_k.assign(n_pool * block_halves, fp32_to_fp16(1000.0f));
    pool_v.assign(n_pool * block_halves, fp32_to_fp16(-1000.0f));
    for (int b = 0; b < n_blocks; ++b) {
      const size_t at = static_cast<size_t>(where[b]) * block_halves;
      const int rows = std::min(kBlock, n - b * kBlock);  // the last block: partly filled
      std::copy_n(&K[static_cast<size_t>(b) * block_halves], rows * kv_dim, &pool_k[at]);
      std::copy_n(&V[static_cast<size_t>(b) * block_halves], rows * kv_dim, &pool_v[at]);
      k_bases.push_back(&pool_k[at]);
      v_bases.push_back(&pool_v[at]);
    }
  }
  kernels::KvBlocks blocks() const { return {k_bases.data(), v_bases.data(), kBlock, kv_dim, 0}; }
  // The contiguous cache as one block (Context's view).
  kernels::KvBlocks contiguous(const uint16_t* const* k, const uint16_t* const* v) const {
    return {k, v, n, kv_dim, 0};
  }
};

const Isa kIsas[] = {
#if defined(__aarch64__)
    Isa::kScalar, Isa::kNeon, Isa::kNeonDotprod, Isa::kNeonI8mm
#else
    Isa::kScalar, Isa::kAvx2, Isa::kAvxVnni, Isa::kAvx512
#endif
};

// The table's one-row kernel over blocks against the same table's primitives (vec_dot[F16],
// exp_f32, scale_f16, axpy_f16_f16) looped over the contiguous cells, row by row: bit for bit.
TEST(AttentionBlocks, RowKernelReadsBlockTables) {
  int tested = 0;
  for (Isa isa : kIsas) {
    const kernels::KernelTable* k = kernels::kernels_for(isa);
    if (!k || !k->attention.attend_rows_f16acc) continue;
    ++tested;
    const auto& a = k->attention;
    std::mt19937 rng(29);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (int hd : {64, 128}) {
      const int n_kv_heads = 2;
      for (int n_kv : {1, 15, 16, 17, 40, 300}) {
        Cells cells(n_kv, static_cast<int64_t>(n_kv_heads) * hd, rng);
        for (int n_rows : {1, 3, 7}) {
          for (int kvh = 0; kvh < n_kv_heads; ++kvh) {
            std::vector<float> q(static_cast<size_t>(n_rows) * hd);
            for (auto& v : q) v = normal(rng) * 2.0f;
            std::vector<uint16_t> qh(q.size());
            k->convert[static_cast<int>(DType::F16)](q.data(), qh.data(),
                                                     static_cast<int64_t>(q.size()));
            const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
            kernels::KvBlocks kv = cells.blocks();
            kv.offset = static_cast<int64_t>(kvh) * hd;
            std::vector<float> got(q.size()), want(q.size());
            ASSERT_TRUE(a.attend_rows_f16acc(qh.data(), n_rows, kv, n_kv, hd, scale, got.data()));
            const uint16_t* K = cells.K.data() + kv.offset;
            const uint16_t* V = cells.V.data() + kv.offset;
            for (int r = 0; r < n_rows; ++r) {
              std::vector<uint16_t> acc(hd, 0);
              float M = -INFINITY, S = 0;
              for (int j = 0; j < n_kv; ++j) {
                const float sv = k->vec_dot[static_cast<int>(DType::F16)](
                                     qh.data() + static_cast<size_t>(r) * hd,
                                     K + static_cast<size_t>(j) * cells.kv_dim, hd) *
                                 scale;
                float ms = 1.0f, vs = 1.0f;
                if (sv > M) {
                  const float arg = M - sv;
                  k->exp_f32(&arg, &ms, 1);
                  M = sv;
                  a.scale_f16(acc.data(), ms, hd);
                } else {
                  const float arg = sv - M;
                  k->exp_f32(&arg, &vs, 1);
                }
                a.axpy_f16_f16(vs, V + static_cast<size_t>(j) * cells.kv_dim, acc.data(), hd);
                S = S * ms + vs;
              }
              for (int i = 0; i < hd; ++i)
                want[static_cast<size_t>(r) * hd + i] = fp16_to_fp32(acc[i]) / S;
            }
            EXPECT_EQ(got, want) << isa_name(isa) << " hd " << hd << " n_kv " << n_kv << " rows "
                                 << n_rows << " kv head " << kvh;
          }
        }
      }
    }
  }
  if (tested == 0) GTEST_SKIP() << "no kernel table of this CPU has the one-row kernel";
}

ModelConfig attention_config(int n_head, int n_head_kv, int hd) {
  ModelConfig c;
  c.n_head = n_head;
  c.n_head_kv = n_head_kv;
  c.head_dim = hd;
  c.head_dim_v = hd;
  return c;
}

// The active table's attention driver (both algorithms, with and without threads) over a block
// table against the same call over the contiguous cells (what Context passes): bit for bit.
// And attend_rows over tokens of several sequences at once equals each sequence on its own.
TEST(Engine, AttentionOverBlockTablesMatchesContiguousCache) {
  std::mt19937 rng(31);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  ThreadPool two(2);
  struct Shape {
    int n_head, n_head_kv, hd;
  };
  for (Shape sh : {Shape{14, 2, 64}, Shape{9, 3, 64}, Shape{4, 2, 128}}) {
    const ModelConfig c = attention_config(sh.n_head, sh.n_head_kv, sh.hd);
    const int q_dim = sh.n_head * sh.hd;
    // p0 + n_tok cells: partial last blocks, and tiled runs whose 64-cell tiles cross blocks.
    for (auto [p0, n_tok] : {std::pair{0, 1}, std::pair{37, 1}, std::pair{50, 5}, std::pair{3, 70},
                             std::pair{100, 77}}) {
      Cells cells(p0 + n_tok, static_cast<int64_t>(sh.n_head_kv) * sh.hd, rng);
      std::vector<float> q(static_cast<size_t>(n_tok) * q_dim);
      for (auto& v : q) v = normal(rng);
      const uint16_t *kc = cells.K.data(), *vc = cells.V.data();
      const kernels::KvBlocks contiguous = cells.contiguous(&kc, &vc);
      const kernels::KvBlocks blocks = cells.blocks();
      for (bool tiled : {false, true}) {
        std::vector<float> want(q.size()), got(q.size()), got_threads(q.size());
        attention::attend_chunk(c, nullptr, q.data(), want.data(), p0, n_tok, tiled, contiguous);
        attention::attend_chunk(c, nullptr, q.data(), got.data(), p0, n_tok, tiled, blocks);
        attention::attend_chunk(c, &two, q.data(), got_threads.data(), p0, n_tok, tiled, blocks);
        EXPECT_EQ(got, want) << "heads " << sh.n_head << "/" << sh.n_head_kv << " p0 " << p0
                             << " n_tok " << n_tok << " tiled " << tiled;
        EXPECT_EQ(got_threads, want) << "2 threads, p0 " << p0 << " n_tok " << n_tok;
      }
    }
  }
}

TEST(Engine, AttentionRowsOfSeveralSequencesMatchEachAlone) {
  std::mt19937 rng(37);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  ThreadPool two(2);
  const ModelConfig c = attention_config(14, 2, 64);
  const int q_dim = 14 * 64;
  const int lengths[] = {1, 16, 33, 200, 577, 90};
  std::vector<Cells> seqs;
  std::vector<kernels::KvBlocks> kv;
  for (int n : lengths) seqs.emplace_back(n, 2 * 64, rng);
  for (const Cells& s : seqs) kv.push_back(s.blocks());
  const size_t n_seqs = seqs.size();
  std::vector<float> q(n_seqs * q_dim), want(q.size()), got(q.size());
  for (auto& v : q) v = normal(rng);
  std::vector<attention::RowJob> jobs;
  for (size_t s = 0; s < n_seqs; ++s) {
    // Alone: the last cell's token, as Context decodes it.
    const uint16_t *kc = seqs[s].K.data(), *vc = seqs[s].V.data();
    attention::attend_chunk(c, nullptr, &q[s * q_dim], &want[s * q_dim], seqs[s].n - 1, 1, false,
                            seqs[s].contiguous(&kc, &vc));
    jobs.push_back({&q[s * q_dim], &got[s * q_dim], seqs[s].n, &kv[s]});
  }
  attention::attend_rows(c, &two, jobs.data(), static_cast<int>(jobs.size()));
  EXPECT_EQ(got, want);
}

// End to end on a model with head dim 64 (the SIMD one-row kernel's case; the engine suite's
// TinyStories has 16): eight requests of different lengths decode together, and every logit
// row each one sees is the bits of a Context fed the same tokens alone.
TEST(Engine, BatchedLogitsMatchContextWithHeadDim64) {
  const char* kQwen3 = "models/synth/qwen3-d128-q8_0.gguf";  // head dim 64, 2 KV heads
  HEARTH_REQUIRE_DATA(test::data_path(kQwen3));
  auto model = Model::load(GgufFile::open(test::data_path(kQwen3)));
  std::vector<std::vector<int32_t>> prompts;
  for (int i = 0; i < 8; ++i) {
    std::string text = "Request " + std::to_string(i) + ":";
    for (int r = 0; r < i * 4; ++r) text += " the engine reads its blocks in place";
    prompts.push_back(model->tokenizer()->encode(text, true, false));
  }
  engine::EngineParams p;
  p.n_ctx = 512;
  p.n_threads = 2;
  p.max_running = 8;
  p.token_budget = 48;  // long prompts in several chunks, beside decoding sequences
  p.kv_blocks = 256;
  engine::Engine eng(model, p);
  constexpr int kGen = 10;
  std::vector<std::vector<std::vector<float>>> logits(8);
  std::vector<std::shared_ptr<engine::Request>> reqs;
  for (int i = 0; i < 8; ++i) {
    engine::RequestOptions o;
    o.prompt = prompts[i];
    o.max_tokens = kGen;
    o.on_logits = [&logits, i](const float* l, int n) { logits[i].emplace_back(l, l + n); };
    reqs.push_back(eng.submit(std::move(o)));
  }
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(reqs[i]->wait(120000));
    std::vector<int32_t> tokens;
    {
      std::lock_guard<std::mutex> lock(reqs[i]->mu);
      tokens = reqs[i]->tokens;
    }
    ASSERT_FALSE(tokens.empty());
    ASSERT_GE(logits[i].size(), tokens.size());
    ContextParams cp;
    cp.n_ctx = 512;
    cp.n_threads = 2;
    Context ctx(model, cp);
    ctx.decode(prompts[i].data(), prompts[i].size());
    for (size_t k = 0; k < tokens.size(); ++k) {
      EXPECT_EQ(0, std::memcmp(ctx.logits(), logits[i][k].data(), logits[i][k].size() * 4))
          << "request " << i << " (" << prompts[i].size() << " prompt tokens), step " << k;
      ctx.decode(&tokens[k], 1);
    }
  }
}

}  // namespace
}  // namespace hearth
