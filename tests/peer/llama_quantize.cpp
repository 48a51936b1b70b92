// llama.cpp's own quantizer for any llama_ftype, as llama-quantize runs it without an importance
// matrix (1 thread). The shared peer tool (../shared/tools/peer-llamacpp/run.sh quantize) names
// only ten types; quantize_check.py builds this against the same llama.cpp libraries for the
// others (Q2_K, Q3_K_*, Q4_K_S, Q5_K_S), and for already quantized inputs, which llama-quantize
// converts only with --allow-requantize (hearth quantize always does).
//   llama_quantize IN.gguf OUT.gguf FTYPE [--allow-requantize]
// FTYPE: the llama_ftype number, e.g. 12 = Q3_K_M.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "llama.h"

static void silent(ggml_log_level, const char*, void*) {}

int main(int argc, char** argv) {
  const bool requantize = argc == 5 && std::strcmp(argv[4], "--allow-requantize") == 0;
  if (argc != 4 && !requantize) {
    std::fprintf(stderr, "usage: llama_quantize IN.gguf OUT.gguf FTYPE [--allow-requantize]\n");
    return 2;
  }
  llama_model_quantize_params qp = llama_model_quantize_default_params();
  qp.ftype = static_cast<llama_ftype>(std::atoi(argv[3]));
  qp.nthread = 1;
  qp.allow_requantize = requantize;
  llama_log_set(silent, nullptr);
  if (const char* libdir = std::getenv("PEER_LIBDIR"))
    ggml_backend_load_all_from_path(libdir);
  else
    ggml_backend_load_all();
  llama_backend_init();
  if (llama_model_quantize(argv[1], argv[2], &qp) != 0) {
    std::fprintf(stderr, "llama_quantize: quantization failed\n");
    return 1;
  }
  return 0;
}
