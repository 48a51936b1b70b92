/* A C11 program using the installed hearth: load a model and print its summary. */
#include <stdio.h>

#include <hearth.h>

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s MODEL.gguf\n", argv[0]);
    return 2;
  }
  hearth_model* model = NULL;
  if (hearth_model_load(argv[1], NULL, &model) != HEARTH_OK) {
    fprintf(stderr, "error: %s\n", hearth_last_error());
    return 1;
  }
  const char* arch = NULL;
  const char* ftype = NULL;
  int32_t n_vocab = 0;
  uint64_t n_params = 0;
  hearth_model_architecture(model, &arch);
  hearth_model_file_type(model, &ftype);
  hearth_model_vocab_size(model, &n_vocab);
  hearth_model_n_params(model, &n_params);
  printf("hearth %s: %s, %s, %llu parameters, vocabulary %d\n", hearth_version(), arch, ftype,
         (unsigned long long)n_params, (int)n_vocab);
  hearth_model_free(model);
  return 0;
}
