// Chat-template conformance: every shared template (testdata/templates/*.jinja) rendered for every
// case of testdata/templates-cases.json must equal, byte for byte, what Python's Jinja2 produced
// with Hugging Face's settings (testdata/templates-expected/<stem>.<case>.txt); where Jinja2
// raised instead (<stem>.<case>.error), hearth must throw kTemplateError. Templates with neither
// file (plain Jinja2 cannot parse Hugging Face's {% generation %} tag) must render; their output
// is compared with Jinja2's by python/tests/test_template_conformance.py.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

#include "hearth/error.hpp"
#include "template/chat_template.hpp"
#include "test_data.hpp"

namespace fs = std::filesystem;
using hearth::tmpl::ChatMessage;
using hearth::tmpl::RenderOptions;

namespace {

std::string read_file(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

struct ConformanceCase {
  std::string stem;       // template file name without .jinja
  std::string case_name;  // "system-user", "multi-turn"
};

// Names the case in test listings (ctest shows GetParam()).
void PrintTo(const ConformanceCase& c, std::ostream* os) {
  *os << c.stem << "." << c.case_name;
}

std::vector<ConformanceCase> list_cases() {
  std::vector<ConformanceCase> cases;
  const fs::path dir = hearth::test::data_path("testdata/templates");
  const fs::path case_file = hearth::test::data_path("testdata/templates-cases.json");
  if (!fs::is_directory(dir) || !fs::exists(case_file)) return cases;
  std::vector<std::string> stems;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().extension() == ".jinja") stems.push_back(entry.path().stem().string());
  std::sort(stems.begin(), stems.end());
  const auto json = nlohmann::json::parse(read_file(case_file));
  for (const std::string& stem : stems)
    for (const auto& c : json) cases.push_back({stem, c.at("name").get<std::string>()});
  return cases;
}

std::string test_name(const testing::TestParamInfo<ConformanceCase>& info) {
  std::string name = info.param.stem + "__" + info.param.case_name;
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

class TemplateConformance : public testing::TestWithParam<ConformanceCase> {};

TEST_P(TemplateConformance, MatchesJinja2) {
  const ConformanceCase& param = GetParam();
  const std::string expected_base =
      hearth::test::data_path("testdata/templates-expected/" + param.stem + "." + param.case_name);
  const bool has_text = fs::exists(expected_base + ".txt");
  const bool has_error = fs::exists(expected_base + ".error");
  const std::string source =
      read_file(hearth::test::data_path("testdata/templates/" + param.stem + ".jinja"));
  if (!has_text && !has_error) {
    // Plain Jinja2 could not parse these: they use Hugging Face's {% generation %} tag.
    // python/tests/test_template_conformance.py compares them with Jinja2 plus that tag;
    // here they must at least be what the shared data says they are.
    EXPECT_NE(source.find("generation"), std::string::npos)
        << param.stem << " has no Jinja2 rendering, yet no {% generation %} tag";
  }

  nlohmann::json case_json;
  for (const auto& c :
       nlohmann::json::parse(read_file(hearth::test::data_path("testdata/templates-cases.json"))))
    if (c.at("name") == param.case_name) case_json = c;
  std::vector<ChatMessage> messages;
  for (const auto& m : case_json.at("messages"))
    messages.push_back({m.at("role").get<std::string>(), m.at("content").get<std::string>()});
  RenderOptions options;
  options.add_generation_prompt = case_json.at("add_generation_prompt").get<bool>();
  options.bos_token = "<|bos|>";
  options.eos_token = "<|eos|>";
  options.now_unix_seconds = 1767323045;  // 2026-01-02 03:04:05 UTC

  if (has_error) {
    try {
      const std::string out = hearth::tmpl::render_chat_template(source, messages, options);
      FAIL() << "Jinja2 raised (" << read_file(expected_base + ".error")
             << ") but hearth rendered:\n"
             << out;
    } catch (const hearth::Error& e) {
      EXPECT_EQ(e.status(), hearth::Status::kTemplateError) << e.what();
    }
    return;
  }
  std::string out;
  try {
    out = hearth::tmpl::render_chat_template(source, messages, options);
  } catch (const hearth::Error& e) {
    FAIL() << e.what();
  }
  if (has_text) {
    EXPECT_EQ(out, read_file(expected_base + ".txt"));
  }
}

INSTANTIATE_TEST_SUITE_P(Shared, TemplateConformance, testing::ValuesIn(list_cases()), test_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(TemplateConformance);

// The parameterized suite is empty when the data is missing: this test says so (and fails in CI).
TEST(TemplateConformanceData, SharedTemplatesPresent) {
  const std::string dir = hearth::test::data_path("testdata/templates");
  HEARTH_REQUIRE_DATA(dir);
  EXPECT_GE(list_cases().size(), 100u);
}

}  // namespace
