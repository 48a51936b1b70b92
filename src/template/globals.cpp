// Global functions every template sees: Jinja2's range, namespace, dict, joiner, cycler, and
// Hugging Face's raise_exception and strftime_now.
#include <ctime>

#include "platform/clock.hpp"
#include "template/builtins.hpp"
#include "template/render_error.hpp"

namespace hearth::tmpl {
namespace {

Value range_function(Evaluator& ev, const CallArgs& args) {
  const ValueList& p = args.positional;
  if (p.empty() || p.size() > 3) render_fail("range expects 1 to 3 arguments");
  for (const Value& v : p)
    if (!v.is_int() && !v.is_bool()) type_error("range arguments must be integers", v);
  int64_t start = 0, stop, step = 1;
  if (p.size() == 1) {
    stop = p[0].as_int();
  } else {
    start = p[0].as_int();
    stop = p[1].as_int();
    if (p.size() == 3) step = p[2].as_int();
  }
  if (step == 0) render_fail("range() arg 3 must not be zero");
  // Count first (without overflow) so a huge range fails before allocating.
  uint64_t count = 0;
  if (step > 0 && start < stop)
    count = (static_cast<uint64_t>(stop) - static_cast<uint64_t>(start) - 1) /
                static_cast<uint64_t>(step) +
            1;
  if (step < 0 && start > stop)
    count = (static_cast<uint64_t>(start) - static_cast<uint64_t>(stop) - 1) /
                (static_cast<uint64_t>(-(step + 1)) + 1) +
            1;
  ev.count_iterations(count);
  ValueList out;
  out.reserve(count);
  int64_t v = start;
  for (uint64_t i = 0; i < count; ++i, v += (i < count ? step : 0)) out.push_back(Value(v));
  return Value(std::move(out));
}

Dict keywords_to_dict(const CallArgs& args, const char* function) {
  Dict d;
  if (!args.positional.empty()) {
    if (args.positional.size() > 1 || !args.positional[0].is_dict())
      render_fail(std::string(function) + "() takes a mapping and keyword arguments");
    for (const auto& [k, v] : args.positional[0].dict().entries()) d.set_key(k, v);
  }
  for (const auto& [k, v] : args.keyword) d.set(k, v);
  return d;
}

std::string format_time(const std::string& format, int64_t unix_seconds) {
  const std::time_t t =
      unix_seconds >= 0 ? static_cast<std::time_t>(unix_seconds) : std::time(nullptr);
  std::tm tm{};
  platform::utc_time(t, tm);
  if (format.empty()) return "";
  std::string buf(format.size() * 8 + 64, '\0');
  const size_t n = std::strftime(&buf[0], buf.size(), format.c_str(), &tm);
  if (n == 0) render_fail("strftime_now: the formatted time is too long or empty");
  buf.resize(n);
  return buf;
}

}  // namespace

void add_global_functions(Evaluator& ev, Scope& globals) {
  Evaluator* e = &ev;
  globals.set("range",
              Value::callable([e](const CallArgs& a) { return range_function(*e, a); }, "range"));
  globals.set("namespace", Value::callable(
                               [](const CallArgs& a) {
                                 return Value::namespace_object(keywords_to_dict(a, "namespace"));
                               },
                               "namespace"));
  globals.set("dict",
              Value::callable([](const CallArgs& a) { return Value(keywords_to_dict(a, "dict")); },
                              "dict"));
  globals.set("raise_exception", Value::callable(
                                     [](const CallArgs& a) -> Value {
                                       render_fail(a.positional.empty() ? "raise_exception called"
                                                                        : a.positional[0].str());
                                     },
                                     "raise_exception"));
  globals.set("strftime_now",
              Value::callable(
                  [e](const CallArgs& a) {
                    const Value* f = a.get(0, "format");
                    if (!f || !f->is_string()) render_fail("strftime_now needs a format string");
                    return Value(format_time(f->as_string(), e->now_unix_seconds()));
                  },
                  "strftime_now"));
  globals.set("joiner", Value::callable(
                            [](const CallArgs& a) {
                              const Value* sep = a.get(0, "sep");
                              const std::string separator = sep ? sep->str() : ", ";
                              auto used = std::make_shared<bool>(false);
                              return Value::callable(
                                  [separator, used](const CallArgs&) {
                                    if (!*used) {
                                      *used = true;
                                      return Value(std::string());
                                    }
                                    return Value(separator);
                                  },
                                  "joiner");
                            },
                            "joiner"));
}

}  // namespace hearth::tmpl
