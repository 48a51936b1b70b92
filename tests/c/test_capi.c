/* The C ABI from C11: every spine function, including NULLs and bad paths. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hearth.h"

static int failures = 0;
static int checks = 0;
#define CHECK(cond)                                                  \
  do {                                                               \
    ++checks;                                                        \
    if (!(cond)) {                                                   \
      ++failures;                                                    \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                \
  } while (0)

static void test_errors_and_version(void) {
  CHECK(strcmp(hearth_version(), "0.1.0") == 0);
  CHECK(HEARTH_VERSION_NUMBER == 100);
  CHECK(strlen(hearth_system_info()) > 10);
  CHECK(strcmp(hearth_status_string(HEARTH_OK), "ok") == 0);
  CHECK(strcmp(hearth_status_string((hearth_status)999), "unknown status") == 0);
  hearth_cpu_info info;
  memset(&info, 0, sizeof info);
  info.struct_size = sizeof info;
  CHECK(hearth_cpu_info_get(&info) == HEARTH_OK);
  CHECK(info.logical_cores >= 1);
  CHECK(hearth_cpu_info_get(NULL) == HEARTH_ERR_INVALID_ARGUMENT);
  CHECK(strstr(hearth_last_error(), "NULL") != NULL);
}

static void test_bad_loads(const char* data) {
  hearth_model* model = (hearth_model*)0x1;
  CHECK(hearth_model_load(NULL, NULL, &model) == HEARTH_ERR_INVALID_ARGUMENT);
  CHECK(model == (hearth_model*)0x1); /* untouched on failure */
  CHECK(hearth_model_load("/nonexistent/model.gguf", NULL, &model) == HEARTH_ERR_IO);
  CHECK(strstr(hearth_last_error(), "/nonexistent/model.gguf") != NULL);
  char path[4096];
  snprintf(path, sizeof path, "%s/models/README.md", data);
  CHECK(hearth_model_load(path, NULL, &model) == HEARTH_ERR_INVALID_MODEL);
  CHECK(strstr(hearth_last_error(), "magic") != NULL);
  CHECK(hearth_model_load(path, NULL, NULL) == HEARTH_ERR_INVALID_ARGUMENT);
  hearth_model_params params;
  HEARTH_MODEL_PARAMS_INIT(&params);
  params.struct_size = 1 << 20; /* a "future" caller's: only our fields are read */
  CHECK(hearth_model_load(path, &params, &model) == HEARTH_ERR_INVALID_MODEL);
  params.struct_size = 1; /* cannot even hold struct_size */
  CHECK(hearth_model_load(path, &params, &model) == HEARTH_ERR_INVALID_ARGUMENT);
  hearth_model_free(NULL);
}

static void test_model(const char* data) {
  char path[4096];
  snprintf(path, sizeof path, "%s/models/real/stories260K.gguf", data);
  hearth_model_params params;
  HEARTH_MODEL_PARAMS_INIT(&params);
  CHECK(params.struct_size == sizeof params);
  hearth_model* model = NULL;
  if (hearth_model_load(path, &params, &model) != HEARTH_OK) {
    fprintf(stderr, "cannot load %s: %s\n", path, hearth_last_error());
    ++failures;
    return;
  }
  const char* s = NULL;
  CHECK(hearth_model_architecture(model, &s) == HEARTH_OK && strcmp(s, "llama") == 0);
  CHECK(hearth_model_file_type(model, &s) == HEARTH_OK && strcmp(s, "F32") == 0);
  int32_t n = 0;
  CHECK(hearth_model_vocab_size(model, &n) == HEARTH_OK && n == 512);
  CHECK(hearth_model_context_length(model, &n) == HEARTH_OK && n == 2048);
  int64_t count = 0;
  CHECK(hearth_model_tensor_count(model, &count) == HEARTH_OK && count == 48);
  uint64_t n_params = 0;
  CHECK(hearth_model_n_params(model, &n_params) == HEARTH_OK && n_params > 200000 &&
        n_params < 300000);
  CHECK(hearth_model_meta_count(model, &count) == HEARTH_OK && count > 10);
  CHECK(hearth_model_meta_key(model, 0, &s) == HEARTH_OK && strlen(s) > 0);
  CHECK(hearth_model_meta_key(model, count, &s) == HEARTH_ERR_INVALID_ARGUMENT);
  CHECK(hearth_model_meta_key(model, -1, &s) == HEARTH_ERR_INVALID_ARGUMENT);
  char buf[64];
  size_t len = 0;
  CHECK(hearth_model_meta_string(model, "general.architecture", buf, sizeof buf, &len) ==
        HEARTH_OK);
  CHECK(len == 5 && strcmp(buf, "llama") == 0);
  CHECK(hearth_model_meta_string(model, "llama.block_count", buf, sizeof buf, &len) == HEARTH_OK);
  CHECK(strcmp(buf, "5") == 0);
  CHECK(hearth_model_meta_string(model, "general.architecture", buf, 3, &len) ==
        HEARTH_ERR_BUFFER_TOO_SMALL);
  CHECK(len == 5);
  CHECK(hearth_model_meta_string(model, "no.such.key", buf, sizeof buf, &len) ==
        HEARTH_ERR_INVALID_ARGUMENT);
  CHECK(hearth_model_meta_string(model, NULL, buf, sizeof buf, &len) ==
        HEARTH_ERR_INVALID_ARGUMENT);
  CHECK(hearth_model_architecture(NULL, &s) == HEARTH_ERR_INVALID_ARGUMENT);
  CHECK(hearth_model_architecture(model, NULL) == HEARTH_ERR_INVALID_ARGUMENT);
  hearth_model_free(model);
}

int main(int argc, char** argv) {
  const char* data = argc > 1 ? argv[1] : getenv("HEARTH_TEST_DATA");
  test_errors_and_version();
  if (data) {
    test_bad_loads(data);
    test_model(data);
  } else {
    fprintf(stderr, "test data folder not given: model checks skipped\n");
    const char* ci = getenv("CI");
    if (ci && strcmp(ci, "true") == 0) return 1;
  }
  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures ? 1 : 0;
}
