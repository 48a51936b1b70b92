// hearth_filter_*: the content-safety filter (src/safety/) behind the C ABI, and the helpers
// capi_engine.cpp uses to screen a request's input and output with it.
#include <fmt/format.h>

#include "capi_filter.hpp"
#include "capi_internal.hpp"
#include "safety/engine_screen.hpp"
#include "template/utf8.hpp"

using namespace hearth::capi;

namespace {

hearth_filter_params filter_defaults() {
  hearth_filter_params p{};
  p.struct_size = sizeof p;
  p.level = HEARTH_SAFETY_STANDARD;
  return p;
}

}  // namespace

namespace hearth::capi {

std::shared_ptr<engine::OutputScreen> output_screen(const hearth_filter* filter) {
  return filter ? safety::make_output_screen(filter->filter) : nullptr;
}

void screen_input(const hearth_filter* filter, const std::string& text) {
  if (!filter) return;
  const safety::Verdict v = filter->filter->check(text, safety::Direction::kInput);
  if (v.blocked)
    throw Error(Status::kContentFiltered,
                fmt::format("the content filter blocked the input (category: {})", v.category));
}

}  // namespace hearth::capi

extern "C" {

HEARTH_API hearth_status hearth_filter_params_init(hearth_filter_params* params, size_t size) {
  return init_sized(params, size, filter_defaults());
}

HEARTH_API hearth_status hearth_filter_create(const hearth_filter_params* params,
                                              hearth_filter** out_filter) {
  return guarded([&] {
    require(params, "params");
    require(out_filter, "out_filter");
    const hearth_filter_params p = read_sized(params, filter_defaults(), "params");
    if (p.level < HEARTH_SAFETY_OFF || p.level > HEARTH_SAFETY_STRICT)
      invalid(fmt::format("params->level {} is not a hearth_safety_level", p.level));
    if ((p.rules_path != nullptr) == (p.rules_text != nullptr))
      invalid("give the rules as params->rules_path or as params->rules_text (exactly one)");
    hearth::safety::FilterConfig c;
    c.level = static_cast<hearth::safety::Level>(p.level);
    c.rules = p.rules_path ? hearth::safety::RuleSet::load_file(p.rules_path)
                           : hearth::safety::RuleSet::parse(p.rules_text, "rules_text");
    auto f = std::make_unique<hearth_filter>();
    f->filter = std::make_shared<const hearth::safety::ContentFilter>(c);
    *out_filter = f.release();
    return HEARTH_OK;
  });
}

HEARTH_API hearth_status hearth_filter_check(const hearth_filter* filter, const char* text,
                                             size_t text_len, int* out_blocked, char* category,
                                             size_t capacity, size_t* out_len) {
  return guarded([&] {
    require(filter, "filter");
    require(out_blocked, "out_blocked");
    require(out_len, "out_len");
    if (text_len > 0) require(text, "text");
    const std::string s(text ? text : "", text_len);
    if (!hearth::tmpl::utf8_valid(s)) invalid("text is not valid UTF-8");
    const hearth::safety::Verdict v = filter->filter->check(s, hearth::safety::Direction::kInput);
    *out_blocked = v.blocked ? 1 : 0;
    if (v.blocked) return write_text(v.category, category, capacity, out_len);
    *out_len = 0;
    if (category && capacity > 0) category[0] = '\0';
    return HEARTH_OK;
  });
}

HEARTH_API void hearth_filter_free(hearth_filter* filter) {
  delete filter;
}

}  // extern "C"
