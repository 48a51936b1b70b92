// Request bodies of the generation endpoints, parsed and validated into one structure before any
// model work: every rejection names the field at fault (ApiError 400, param = the field).
// No model is needed here (tests/fuzz/fuzz_server_request.cpp fuzzes these functions); checks
// that need the vocabulary (token ids, logit-bias ids) happen at submit.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sampler/sampler_config.hpp"
#include "template/chat_template.hpp"
#include "toolcall/tool_spec.hpp"

namespace hearth::server {

constexpr int kMaxJsonDepth = 64;
constexpr int kMaxChoices = 16;
constexpr int kMaxTopLogprobs = 20;

// The body as JSON: 400 for malformed JSON, invalid UTF-8, nesting deeper than kMaxJsonDepth or
// a top level that is not an object.
nlohmann::json parse_json_body(const std::string& body);

struct GenerationParams {
  bool chat = false;
  std::string model;                        // "" when absent
  std::vector<tmpl::ChatMessage> messages;  // chat
  std::string prompt;                       // completions, text prompt
  std::vector<int32_t> prompt_tokens;       // completions, token-array prompt
  bool prompt_is_tokens = false;
  int max_tokens = 0;  // 0: until the context is full or a stop
  SamplerConfig sampler;
  std::vector<std::string> stop;
  int n = 1;
  bool stream = false;
  bool include_usage = false;
  bool logprobs = false;
  int top_logprobs = 0;
  std::string user;
  // Chat only (docs/tools.md). tool_choice "none" or no tools: plain generation.
  std::vector<toolcall::ToolSpec> tools;
  toolcall::ToolChoice tool_choice;
  bool parallel_tool_calls = true;
  // response_format json_object / json_schema: the GBNF the reply must match ("" for text).
  std::string response_grammar;
  bool offers_tools() const {
    return !tools.empty() && tool_choice.mode != toolcall::ChoiceMode::kNone;
  }
};

GenerationParams parse_chat_request(const nlohmann::json& body);
GenerationParams parse_completion_request(const nlohmann::json& body);

}  // namespace hearth::server
