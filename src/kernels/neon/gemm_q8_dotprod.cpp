// NEON DotProd matrix products for Q8_0 and Q4_0 weights: the tiles of gemm_q8_tiles_neon.hpp
// with sdot by lane (gemm_q8_sdot_neon.hpp). The same bits as the neon kernels.
#include "kernels/neon/gemm_q8_sdot_neon.hpp"
#include "kernels/neon/gemm_q8_tiles_neon.hpp"

namespace hearth::kernels::neon_dotprod {
namespace {

struct DotprodOps : neon::SdotBlock {
  // 16 rows x 4 tokens: 16 int32 sums in registers; decode streams two groups at once.
  static constexpr int kQuarters = 4, kTokens = 4, kDecodeQuarters = 8;
};

}  // namespace

const GemmKernel kGemmQ8_0 = neon::gemm_kernel<DotprodOps, neon::WeightKind::kQ8_0>();
const GemmKernel kGemmQ4_0 = neon::gemm_kernel<DotprodOps, neon::WeightKind::kQ4_0>();

}  // namespace hearth::kernels::neon_dotprod
