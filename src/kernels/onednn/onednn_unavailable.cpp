// A build without oneDNN (HEARTH_HAS_ONEDNN off: not installed, or not x86-64): every product
// stays with the kernel table. Compiled instead of onednn_matmul.cpp.
#include "kernels/onednn/onednn_matmul.hpp"

namespace hearth::kernels::onednn {

bool enabled() {
  return false;
}
void set_enabled(bool) {}
bool takes(const TensorView&, int) {
  return false;
}
bool matmul(const MatmulOutput*, int, const float*, int, ThreadPool*) {
  return false;
}

}  // namespace hearth::kernels::onednn
