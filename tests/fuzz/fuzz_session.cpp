// libFuzzer target: Session::load must reject any session file that is not a valid one of its
// model (kInvalidModel, kContextFull) before changing anything, without crashing. Most inputs
// are session bodies (first byte even): the target adds the magic, version, this model's
// fingerprint and the checksum, which random bytes would almost never get right, so the fuzzer
// explores the messages, tokens and KV state. Odd first bytes: the rest is the whole file.
// Bit 1 of the first byte picks the header's format version for bodies: 0 for version 1 (role
// and content per message), 1 for version 2 (and the tool-call fields).
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "fuzz_files.hpp"
#include "hearth/error.hpp"
#include "hearth/gguf.hpp"
#include "hearth/model.hpp"
#include "session/model_fingerprint.hpp"
#include "session/session.hpp"

namespace {

struct Fixture {
  std::shared_ptr<const hearth::Model> model;
  std::unique_ptr<hearth::Session> session;
  std::string header;  // magic, version 1, fingerprint
};

Fixture& fixture() {
  static Fixture f = [] {
    Fixture x;
    x.model = hearth::Model::load(hearth::GgufFile::open(std::string(HEARTH_SOURCE_DIR) +
                                                         "/models/TinyStories-656K-Q8_0.gguf"));
    hearth::SessionParams p;
    p.context.n_ctx = 64;
    p.context.n_threads = 1;
    x.session = std::make_unique<hearth::Session>(x.model, p);
    const hearth::ModelFingerprint fp = hearth::fingerprint_of(*x.model);
    auto put = [&x](const void* v, size_t n) { x.header.append(static_cast<const char*>(v), n); };
    const uint32_t version = 1;
    const uint64_t arch_len = fp.architecture.size();
    put("HEARTHSS", 8);
    put(&version, 4);
    put(&arch_len, 8);
    put(fp.architecture.data(), fp.architecture.size());
    put(&fp.n_layer, 4);
    put(&fp.n_embd, 4);
    put(&fp.n_vocab, 4);
    put(&fp.n_tensors, 8);
    put(&fp.hash, 8);
    return x;
  }();
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static hearth::fuzz::ScratchDir dir;
  if (size == 0) return 0;
  Fixture& f = fixture();
  std::string file(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((data[0] & 1) == 0) {
    file = f.header + file;
    if (data[0] & 2) file[8] = 2;  // the version's low byte (little-endian)
    const uint64_t checksum = hearth::fnv1a64(file.data(), file.size());
    file.append(reinterpret_cast<const char*>(&checksum), sizeof checksum);
  }
  dir.reset();
  try {
    f.session->load(dir.write("s.session", file));
    (void)f.session->prompt_tokens();  // a loaded conversation must render and tokenize
  } catch (const hearth::Error& e) {
    if (e.status() == hearth::Status::kIoError || e.status() == hearth::Status::kInternal)
      std::abort();
  }
  return 0;
}
