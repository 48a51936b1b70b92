// Session files keep tool calling (session_file.cpp, format version 2): a conversation with an
// assistant turn that called tools and the `tool` results, saved and loaded into a fresh
// session, renders the same prompt through Qwen2.5's own template (which writes the calls as
// <tool_call> blocks), reuses the same KV rows and generates the same reply. A version 1 file
// (role and content only; written here byte by byte from its documented layout) still loads,
// and files damaged inside the new fields fail with a clear error.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "hearth/error.hpp"
#include "hearth/gguf.hpp"
#include "hearth/model.hpp"
#include "session/session.hpp"
#include "test_data.hpp"

namespace hearth {
namespace {

const char* kModel = "models/synth/qwen2-d128-q8_0.gguf";
const char* kTemplate = "testdata/templates/Qwen-Qwen2.5-7B-Instruct.jinja";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_file(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary)
      .write(data.data(), static_cast<std::streamsize>(data.size()));
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("hearth_test_session_tools_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

// FNV-1a 64, the file's trailer, written out here from its definition.
uint64_t fnv1a(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

// A saved file cut into its parts (session_file.cpp's layout): the header up to and with the
// fingerprint, the messages, and the rest (tokens and KV state) before the checksum.
struct FileParts {
  std::string header;  // magic, version, fingerprint
  std::vector<std::vector<std::string>> messages;
  std::string rest;
};

uint64_t u64_at(const std::string& s, size_t at) {
  uint64_t v = 0;
  std::memcpy(&v, s.data() + at, sizeof v);
  return v;
}

FileParts split(const std::string& file, int strings_per_message) {
  FileParts p;
  size_t at = 8 + 4;
  at += 8 + u64_at(file, at) + 4 * 3 + 8 + 8;  // architecture, n_layer/embd/vocab, n_tensors, hash
  p.header = file.substr(0, at);
  uint32_t n = 0;
  std::memcpy(&n, file.data() + at, 4);
  at += 4;
  for (uint32_t i = 0; i < n; ++i) {
    std::vector<std::string> m;
    for (int k = 0; k < strings_per_message; ++k) {
      const uint64_t len = u64_at(file, at);
      m.push_back(file.substr(at + 8, len));
      at += 8 + len;
    }
    p.messages.push_back(m);
  }
  p.rest = file.substr(at, file.size() - 8 - at);
  return p;
}

std::string join(const FileParts& p, uint32_t version) {
  std::string out = p.header;
  std::memcpy(&out[8], &version, 4);
  const auto n = static_cast<uint32_t>(p.messages.size());
  out.append(reinterpret_cast<const char*>(&n), 4);
  for (const auto& m : p.messages)
    for (const std::string& s : m) {
      const uint64_t len = s.size();
      out.append(reinterpret_cast<const char*>(&len), 8);
      out += s;
    }
  out += p.rest;
  const uint64_t sum = fnv1a(out);
  out.append(reinterpret_cast<const char*>(&sum), 8);
  return out;
}

class SessionFileTools : public ::testing::Test {
 protected:
  void SetUp() override {
    HEARTH_REQUIRE_DATA(test::data_path(kModel));
    HEARTH_REQUIRE_DATA(test::data_path(kTemplate));
    model_ = Model::load(GgufFile::open(test::data_path(kModel)));
    params_.context.n_ctx = 1024;
    params_.context.n_threads = 2;
    params_.context.n_batch = 32;  // small micro-batches: see test_session.cpp's kBatch
    params_.chat_template = read_file(test::data_path(kTemplate));
  }
  // A conversation that called two tools and got their results, then a reply and a new turn.
  void converse(Session& s) {
    s.add_message("system", "You answer with tools.");
    s.add_message("user", "Weather in Oslo, and 2 + 3?");
    tmpl::ChatMessage call;
    call.role = "assistant";
    call.tool_calls_json =
        R"([{"id": "call_1", "type": "function", "function": {"name": "get_weather", )"
        R"("arguments": {"city": "Oslo", "days": 2}}}, {"id": "call_2", "type": "function", )"
        R"("function": {"name": "add", "arguments": {"a": 2, "b": 3}}}])";
    s.add_message(call);
    tmpl::ChatMessage r1{"tool", "{\"temp_c\": -3}", "", "call_1", "get_weather"};
    tmpl::ChatMessage r2{"tool", "5", "", "call_2", "add"};
    s.add_message(r1);
    s.add_message(r2);
    GenerateOptions o;
    o.max_tokens = 4;
    s.generate(o);  // fills the KV cache (and appends the reply)
    s.add_message("user", "Thanks. And tomorrow?");
  }
  std::shared_ptr<const Model> model_;
  SessionParams params_;
};

void expect_same_messages(const Session& a, const Session& b) {
  ASSERT_EQ(a.messages().size(), b.messages().size());
  for (size_t i = 0; i < a.messages().size(); ++i) {
    const tmpl::ChatMessage &x = a.messages()[i], &y = b.messages()[i];
    EXPECT_EQ(x.role, y.role) << i;
    EXPECT_EQ(x.content, y.content) << i;
    EXPECT_EQ(x.tool_calls_json, y.tool_calls_json) << i;
    EXPECT_EQ(x.tool_call_id, y.tool_call_id) << i;
    EXPECT_EQ(x.name, y.name) << i;
  }
}

TEST_F(SessionFileTools, ToolCallsAndResultsSurviveSaveAndLoad) {
  const std::string path = temp_path("tools.bin");
  Session a(model_, params_);
  converse(a);
  const std::string prompt = a.render_prompt();
  // The template writes the calls: a file that dropped them would render another prompt.
  ASSERT_NE(prompt.find("<tool_call>\n{\"name\": \"get_weather\""), std::string::npos) << prompt;
  ASSERT_NE(prompt.find("<tool_response>\n5\n</tool_response>"), std::string::npos) << prompt;
  a.save(path);

  Session b(model_, params_);
  b.load(path);
  expect_same_messages(a, b);
  EXPECT_EQ(b.render_prompt(), prompt);
  EXPECT_EQ(b.prompt_tokens(), a.prompt_tokens());
  EXPECT_EQ(b.cached_tokens(), a.cached_tokens());
  // The continuation reuses the same KV rows and chooses the same tokens.
  GenerateOptions o;
  o.max_tokens = 6;
  const SessionReply ra = a.generate(o), rb = b.generate(o);
  EXPECT_GT(rb.n_reused, 0);
  EXPECT_EQ(rb.n_reused, ra.n_reused);
  EXPECT_EQ(rb.n_prompt_total, ra.n_prompt_total);
  EXPECT_EQ(rb.text, ra.text);
  std::filesystem::remove(path);
}

TEST_F(SessionFileTools, VersionOneFilesStillLoad) {
  const std::string path = temp_path("v1.bin");
  Session a(model_, params_);
  converse(a);
  a.save(path);
  const std::string v2 = read_file(path);
  uint32_t version = 0;
  std::memcpy(&version, v2.data() + 8, 4);
  ASSERT_EQ(version, 2u);
  // The same conversation as version 1 wrote it: role and content only.
  FileParts parts = split(v2, 5);
  for (auto& m : parts.messages) m.resize(2);
  write_file(path, join(parts, 1));

  Session b(model_, params_);
  b.load(path);
  ASSERT_EQ(b.messages().size(), a.messages().size());
  for (size_t i = 0; i < a.messages().size(); ++i) {
    EXPECT_EQ(b.messages()[i].role, a.messages()[i].role);
    EXPECT_EQ(b.messages()[i].content, a.messages()[i].content);
    EXPECT_TRUE(b.messages()[i].tool_calls_json.empty());
    EXPECT_TRUE(b.messages()[i].tool_call_id.empty());
  }
  EXPECT_EQ(b.cached_tokens(), a.cached_tokens());
  std::filesystem::remove(path);
}

TEST_F(SessionFileTools, DamageInTheToolFieldsIsAClearError) {
  const std::string path = temp_path("bad.bin");
  Session a(model_, params_);
  converse(a);
  a.save(path);
  const std::string good = read_file(path);
  auto expect_invalid = [&](const std::string& bytes, const char* needle) {
    write_file(path, bytes);
    Session b(model_, params_);
    b.add_message("user", "kept");
    try {
      b.load(path);
      ADD_FAILURE() << needle << ": loaded";
    } catch (const Error& e) {
      EXPECT_EQ(e.status(), Status::kInvalidModel) << e.what();
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
    ASSERT_EQ(b.messages().size(), 1u);  // unchanged
    EXPECT_EQ(b.messages()[0].content, "kept");
  };
  FileParts parts = split(good, 5);
  ASSERT_EQ(parts.messages[2][0], "assistant");
  FileParts broken = parts;
  broken.messages[2][2] = "[{\"id\": ";  // tool calls that are not JSON
  expect_invalid(join(broken, 2), "tool_calls");
  // A version-1 reading of version-2 bytes (the message fields then run into each other).
  expect_invalid(join(parts, 1), "session file");
  expect_invalid(join(parts, 3), "format version 3 is not supported");
  // A length running past the end inside the tool fields.
  broken = parts;
  broken.messages.resize(3);
  broken.rest.clear();
  std::string cut = join(broken, 2);
  cut.resize(cut.size() - 8 - 12);  // inside the last message's name
  const uint64_t sum = fnv1a(cut);
  cut.append(reinterpret_cast<const char*>(&sum), 8);
  expect_invalid(cut, "truncated");
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace hearth
