// hearth template --template FILE.jinja | -m MODEL.gguf --messages CONV.json
//                 [--add-generation-prompt] [--bos S] [--eos S] [--now UNIX_SECONDS]
// Prints the rendered prompt exactly (no newline added); a template error goes to stderr with a
// non-zero exit.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>

#include "command.hpp"
#include "hearth/error.hpp"
#include "hearth/gguf.hpp"
#include "hearth/tokenizer.hpp"
#include "template/model_template.hpp"
#include "text_file.hpp"

namespace {

constexpr const char* kUsage =
    "usage: hearth template (--template FILE.jinja | -m MODEL.gguf) --messages CONV.json\n"
    "                       [--add-generation-prompt] [--bos TEXT] [--eos TEXT] [--now SECONDS]\n"
    "Renders a conversation with a Jinja chat template and prints the prompt exactly.\n"
    "CONV.json: a list of {\"role\", \"content\"} messages, or an object with \"messages\" (and\n"
    "optionally \"add_generation_prompt\"). With -m, the model's tokenizer.chat_template is used\n"
    "(ChatML when it has none) unless --template is given, and its BOS/EOS texts are the "
    "defaults.\n"
    "--now fixes the time strftime_now() formats (seconds since the epoch, UTC).\n";

// Reads CONV.json; `add_generation_prompt` is set when the file says so.
std::vector<hearth::tmpl::ChatMessage> read_conversation(const std::string& path,
                                                         bool* add_generation_prompt) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(hearth::cli::read_text_file(path));
  } catch (const nlohmann::json::exception& e) {
    hearth::fail(hearth::Status::kInvalidArgument, path + ": " + e.what());
  }
  const nlohmann::json* list = &doc;
  if (doc.is_object()) {
    if (!doc.contains("messages"))
      hearth::fail(hearth::Status::kInvalidArgument, path + ": no \"messages\" list");
    list = &doc["messages"];
    if (doc.contains("add_generation_prompt")) {
      if (!doc["add_generation_prompt"].is_boolean())
        hearth::fail(hearth::Status::kInvalidArgument,
                     path + ": \"add_generation_prompt\" must be true or false");
      *add_generation_prompt = doc["add_generation_prompt"].get<bool>();
    }
  }
  if (!list->is_array())
    hearth::fail(hearth::Status::kInvalidArgument, path + ": messages must be a list");
  std::vector<hearth::tmpl::ChatMessage> messages;
  for (size_t i = 0; i < list->size(); ++i) {
    const nlohmann::json& m = (*list)[i];
    if (!m.is_object() || !m.contains("role") || !m["role"].is_string() || !m.contains("content") ||
        !m["content"].is_string())
      hearth::fail(hearth::Status::kInvalidArgument,
                   path + ": message " + std::to_string(i) +
                       " needs a string \"role\" and a string \"content\"");
    messages.push_back({m["role"].get<std::string>(), m["content"].get<std::string>()});
  }
  return messages;
}

int run_template(const std::vector<std::string>& args) {
  std::string template_path, messages_path, model_path;
  std::optional<std::string> bos, eos;
  bool add_generation_prompt = false;
  int64_t now = -1;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool has_value = i + 1 < args.size();
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "--add-generation-prompt") {
      add_generation_prompt = true;
    } else if (has_value && a == "--template") {
      template_path = args[++i];
    } else if (has_value && a == "--messages") {
      messages_path = args[++i];
    } else if (has_value && (a == "-m" || a == "--model")) {
      model_path = args[++i];
    } else if (has_value && a == "--bos") {
      bos = args[++i];
    } else if (has_value && a == "--eos") {
      eos = args[++i];
    } else if (has_value && a == "--now") {
      try {
        now = std::stoll(args[++i]);
      } catch (const std::exception&) {
        now = -1;
      }
      if (now < 0) {
        std::fprintf(stderr, "hearth template: --now needs seconds since the epoch\n");
        return 2;
      }
    } else {
      std::fprintf(stderr, "hearth template: unexpected argument '%s'\n%s", a.c_str(), kUsage);
      return 2;
    }
  }
  if (messages_path.empty() || (template_path.empty() && model_path.empty())) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  bool file_generation_prompt = false;
  const auto messages = read_conversation(messages_path, &file_generation_prompt);

  hearth::tmpl::ModelChatDefaults defaults;
  if (!model_path.empty()) {
    auto file = hearth::GgufFile::open(model_path);
    auto tokenizer = hearth::Tokenizer::from_gguf(*file);
    defaults = hearth::tmpl::model_chat_defaults(*file, tokenizer.get());
  }
  std::optional<std::string> source = defaults.chat_template;
  if (!template_path.empty()) source = hearth::cli::read_text_file(template_path);

  hearth::tmpl::RenderOptions options;
  options.add_generation_prompt = add_generation_prompt || file_generation_prompt;
  options.bos_token = bos.value_or(defaults.bos_text);
  options.eos_token = eos.value_or(defaults.eos_text);
  options.now_unix_seconds = now;
  const std::string prompt = hearth::tmpl::render_or_fallback(source, messages, options);
  std::fwrite(prompt.data(), 1, prompt.size(), stdout);
  return 0;
}

const hearth::cli::Register reg{"template", "render a conversation with a chat template",
                                &run_template};

}  // namespace
