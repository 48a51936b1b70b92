#include "safety/guard_model.hpp"

#include <algorithm>

#include "engine/chat_prompt.hpp"
#include "hearth/error.hpp"
#include "hearth/gguf.hpp"

namespace hearth::safety {
namespace {

thread_local std::string g_last_answer;

bool is_guard_template(const std::string& tmpl) {
  std::string lower = tmpl;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.find("unsafe content categories") != std::string::npos;
}

std::string category_text(const GuardAnswer& a, const std::vector<GuardCategory>& categories) {
  if (a.codes.empty()) return "unsafe";
  std::string out;
  for (const auto& code : a.codes) {
    std::string item = code;
    for (const auto& c : categories)
      if (c.code == code) item += " " + c.name;
    out += (out.empty() ? "" : ", ") + item;
  }
  return out;
}

}  // namespace

GuardModel::GuardModel(engine::Engine& engine, GuardOptions options)
    : engine_(engine), options_(std::move(options)) {
  if (options_.max_tokens <= 0)
    throw Error(Status::kInvalidArgument, "guard: max_tokens must be > 0");
  const auto tmpl = engine_.model().file().get_string("tokenizer.chat_template");
  model_template_ = tmpl && is_guard_template(*tmpl);
}

std::vector<int32_t> GuardModel::prompt_tokens(
    const std::vector<tmpl::ChatMessage>& conversation) const {
  if (model_template_) return engine::chat_prompt_tokens(engine_.model(), conversation);
  const std::string task = guard_task(conversation, options_.categories);
  return engine::chat_prompt_tokens(engine_.model(), {{"user", task}});
}

const std::string& GuardModel::last_answer() {
  return g_last_answer;
}

Verdict GuardModel::judge(const std::vector<tmpl::ChatMessage>& conversation) const {
  engine::RequestOptions o;
  o.prompt = prompt_tokens(conversation);
  o.max_tokens = std::min(options_.max_tokens, engine_.n_ctx() - static_cast<int>(o.prompt.size()));
  if (o.max_tokens <= 0)
    throw Error(Status::kContextFull, "guard: the conversation does not fit the guard's context");
  o.deadline_ms = options_.timeout_ms;  // greedy: the default sampler
  auto request = engine_.submit(std::move(o));
  std::string answer, piece;
  bool timed_out = false;
  while (request->next_piece(&piece, -1, &timed_out)) answer += piece;
  g_last_answer = answer;
  Verdict v;
  engine::FinishReason reason;
  {
    std::lock_guard<std::mutex> lock(request->mu);
    reason = request->reason;
  }
  if (reason != engine::FinishReason::kStop && reason != engine::FinishReason::kLength) {
    v.blocked = options_.block_unparseable;
    v.category = "guard_failed";
    return v;
  }
  const GuardAnswer a = parse_guard_answer(answer);
  switch (a.kind) {
    case GuardAnswer::Kind::kSafe:
      break;
    case GuardAnswer::Kind::kUnsafe:
      v.blocked = true;
      v.category = category_text(a, options_.categories);
      break;
    case GuardAnswer::Kind::kUnparseable:
      v.blocked = options_.block_unparseable;
      v.category = "guard_unparseable";
      break;
  }
  return v;
}

}  // namespace hearth::safety
