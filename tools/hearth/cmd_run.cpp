// hearth run -m MODEL.gguf (-p "text" | --ids 1,2,3) [-n N] [-t threads] [-c ctx]
//            [sampling options] [--stop STR]... [--logits-out FILE]
// Streams the generated text to stdout; timings and diagnostics go to stderr.
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "command.hpp"
#include "generate/generate.hpp"
#include "generate_flags.hpp"
#include "hearth/context.hpp"
#include "hearth/error.hpp"
#include "hearth/model.hpp"
#include "hearth/tokenizer.hpp"

namespace {

using namespace hearth::cli;

const char* kUsage =
    "usage: hearth run -m MODEL.gguf (-p TEXT | --ids 1,2,3) [options]\n"
    "  -n N               tokens to generate (default 128)\n"
    "  -t N               threads (default: one per core)\n"
    "  -c N               context size in tokens (default 2048, capped at the model's)\n"
    "  --logits-out FILE  write the float32 logits after the last prompt token\n"
    "  --no-bos           with -p: do not add the BOS token\n";

std::vector<int32_t> parse_ids(const std::string& s) {
  std::vector<int32_t> ids;
  size_t pos = 0;
  while (pos <= s.size()) {
    const size_t comma = s.find(',', pos);
    const std::string item =
        s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    try {
      size_t used = 0;
      const long v = std::stol(item, &used);
      if (used != item.size() || v < INT32_MIN || v > INT32_MAX) throw std::invalid_argument(item);
      ids.push_back(static_cast<int32_t>(v));
    } catch (const std::exception&) {
      hearth::fail(hearth::Status::kInvalidArgument,
                   fmt::format("--ids: '{}' is not a token id", item));
    }
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return ids;
}

int run_run(const std::vector<std::string>& args) {
  std::string model_path, prompt, ids, logits_out;
  bool have_prompt = false, add_bos = true;
  hearth::ContextParams cparams;
  hearth::GenerateOptions opt;
  opt.max_tokens = 128;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      std::fprintf(stderr, "%s%s", kUsage, kSamplingHelp);
      return 0;
    }
    if (a == "--no-bos") {
      add_bos = false;
      continue;
    }
    if (i + 1 >= args.size()) {
      std::fprintf(stderr, "hearth run: %s needs a value\n%s%s", a.c_str(), kUsage, kSamplingHelp);
      return 2;
    }
    const std::string& v = args[++i];
    if (a == "-m" || a == "--model")
      model_path = v;
    else if (a == "-p" || a == "--prompt")
      prompt = v, have_prompt = true;
    else if (a == "--ids")
      ids = v;
    else if (a == "-n")
      opt.max_tokens = to_int(a, v);
    else if (a == "-t" || a == "--threads")
      cparams.n_threads = to_int(a, v);
    else if (a == "-c" || a == "--ctx-size")
      cparams.n_ctx = to_int(a, v);
    else if (parse_generate_flag(a, v, opt))
      continue;
    else if (a == "--logits-out")
      logits_out = v;
    else {
      std::fprintf(stderr, "hearth run: unknown option '%s'\n%s%s", a.c_str(), kUsage,
                   kSamplingHelp);
      return 2;
    }
  }
  if (model_path.empty() || (have_prompt == !ids.empty())) {
    std::fprintf(stderr, "%s%s", kUsage, kSamplingHelp);
    return 2;
  }
  hearth::validate_sampler_config(opt.sampler, 0);  // bad flags fail before the model loads
  auto model = hearth::Model::load(hearth::GgufFile::open(model_path));
  std::vector<int32_t> tokens;
  if (!ids.empty()) {
    tokens = parse_ids(ids);
  } else {
    auto tokenizer = hearth::Tokenizer::from_gguf(model->file());
    if (!tokenizer)
      hearth::fail(hearth::Status::kInvalidModel,
                   "the model has no tokenizer metadata: pass token ids with --ids");
    tokens = tokenizer->encode(prompt, add_bos, false);
  }
  hearth::Context ctx(model, cparams);
  std::fprintf(stderr, "hearth run: %s (%s), %zu prompt tokens, n_ctx %d, %d threads\n",
               model_path.c_str(), model->config().architecture.c_str(), tokens.size(), ctx.n_ctx(),
               ctx.n_threads());
  if (!logits_out.empty()) {
    // Evaluate the prompt first so its logits can be saved; generation then continues from it.
    ctx.decode(tokens.data(), tokens.size());
    std::ofstream out(logits_out, std::ios::binary);
    out.write(reinterpret_cast<const char*>(ctx.logits()),
              static_cast<std::streamsize>(sizeof(float) * ctx.n_vocab()));
    if (!out) hearth::fail(hearth::Status::kIoError, fmt::format("cannot write '{}'", logits_out));
    opt.history = tokens;  // still the penalties' history
    tokens.clear();
  }
  std::vector<int> generated;
  char last_char = '\n';  // nothing written yet: no newline needed
  opt.on_token = [&](int token, const std::string& text) {
    if (token != hearth::kFlushToken) generated.push_back(token);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    if (!text.empty()) last_char = text.back();
    return true;
  };
  const auto r = hearth::generate(ctx, tokens.data(), tokens.size(), opt);
  // The text ends with a newline, flushed before the statistics go to stderr (a terminal
  // shows both streams interleaved).
  if (last_char != '\n') std::fputc('\n', stdout);
  std::fflush(stdout);
  std::string list;
  for (int t : generated) list += (list.empty() ? "" : ",") + std::to_string(t);
  static const char* reasons[] = {"end of generation", "max tokens", "stop string", "cancelled"};
  std::fprintf(stderr, "generated ids: %s\n", list.c_str());
  if (!hearth::is_greedy(opt.sampler))
    std::fprintf(stderr, "seed: %llu\n", static_cast<unsigned long long>(r.seed));
  std::fprintf(stderr,
               "stop: %s; first token after %.1f ms; prompt %.1f tok/s, generation %.1f tok/s\n",
               reasons[static_cast<int>(r.stop_reason)], r.time_to_first_token_ms,
               r.prompt_tokens_per_s, r.gen_tokens_per_s);
  return 0;
}

const hearth::cli::Register reg{"run", "generate text from a prompt", &run_run};

}  // namespace
