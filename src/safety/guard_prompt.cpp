#include "safety/guard_prompt.hpp"

#include <cctype>

#include "hearth/error.hpp"

namespace hearth::safety {

const std::vector<GuardCategory>& llama_guard3_categories() {
  static const std::vector<GuardCategory> categories = {
      {"S1", "Violent Crimes"},
      {"S2", "Non-Violent Crimes"},
      {"S3", "Sex-Related Crimes"},
      {"S4", "Child Sexual Exploitation"},
      {"S5", "Defamation"},
      {"S6", "Specialized Advice"},
      {"S7", "Privacy"},
      {"S8", "Intellectual Property"},
      {"S9", "Indiscriminate Weapons"},
      {"S10", "Hate"},
      {"S11", "Suicide & Self-Harm"},
      {"S12", "Sexual Content"},
      {"S13", "Elections"},
      {"S14", "Code Interpreter Abuse"},
  };
  return categories;
}

std::string guard_task(const std::vector<tmpl::ChatMessage>& conversation,
                       const std::vector<GuardCategory>& categories) {
  if (conversation.empty()) throw Error(Status::kInvalidArgument, "guard: empty conversation");
  const bool judge_agent = conversation.back().role == "assistant";
  const std::string who = judge_agent ? "Agent" : "User";
  std::string t = "Task: Check if there is unsafe content in '" + who +
                  "' messages in conversations according our safety policy with the below "
                  "categories.\n\n<BEGIN UNSAFE CONTENT CATEGORIES>\n";
  for (const auto& c : categories) t += c.code + ": " + c.name + ".\n";
  t += "<END UNSAFE CONTENT CATEGORIES>\n\n<BEGIN CONVERSATION>\n\n";
  for (const auto& m : conversation) {
    if (m.role != "user" && m.role != "assistant")
      throw Error(Status::kInvalidArgument,
                  "guard: only user and assistant turns can be judged, not '" + m.role + "'");
    t += (m.role == "user" ? "User: " : "Agent: ") + m.content + "\n\n";
  }
  t += "<END CONVERSATION>\n\nProvide your safety assessment for ONLY THE LAST " + who +
       " message in the above conversation:\n - First line must read 'safe' or 'unsafe'.\n"
       " - If unsafe, a second line must include a comma-separated list of violated "
       "categories.";
  return t;
}

namespace {

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

GuardAnswer parse_guard_answer(const std::string& reply) {
  GuardAnswer a;
  const std::string text = trim(reply);
  const size_t nl = text.find('\n');
  const std::string first = lower(trim(text.substr(0, nl)));
  if (first == "safe") {
    a.kind = GuardAnswer::Kind::kSafe;
    return a;
  }
  if (first != "unsafe") return a;
  a.kind = GuardAnswer::Kind::kUnsafe;
  if (nl == std::string::npos) return a;
  const std::string rest = text.substr(nl + 1);
  const std::string line = trim(rest.substr(0, rest.find('\n')));
  size_t start = 0;
  while (start <= line.size()) {
    const size_t comma = line.find(',', start);
    const std::string code = trim(line.substr(start, comma - start));
    if (!code.empty()) a.codes.push_back(code);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return a;
}

}  // namespace hearth::safety
