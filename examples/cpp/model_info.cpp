// A C++17 program using the installed hearth through its header-only wrapper.
#include <hearth/hearth.hpp>
#include <iostream>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " MODEL.gguf\n";
    return 2;
  }
  try {
    hearth::api::Model model(argv[1]);
    std::cout << "hearth " << hearth_version() << ": " << model.architecture() << ", "
              << model.file_type() << ", " << model.n_params() << " parameters, vocabulary "
              << model.vocab_size() << ", name '" << model.metadata("general.name") << "'\n";
  } catch (const hearth::api::Exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
