#include "template/json_value.hpp"

#include <nlohmann/json.hpp>

#include "hearth/error.hpp"

namespace hearth::tmpl {
namespace {

using json = nlohmann::ordered_json;

Value convert(const json& j, int depth, const char* what) {
  if (depth > kMaxValueNesting)
    fail(Status::kInvalidArgument,
         std::string(what) + ": nested deeper than " + std::to_string(kMaxValueNesting));
  switch (j.type()) {
    case json::value_t::null:
      return Value::none();
    case json::value_t::boolean:
      return Value(j.get<bool>());
    case json::value_t::number_integer:
      return Value(j.get<int64_t>());
    case json::value_t::number_unsigned:
      return j.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX) ? Value(j.get<double>())
                                                                  : Value(j.get<int64_t>());
    case json::value_t::number_float:
      return Value(j.get<double>());
    case json::value_t::string:
      return Value(j.get<std::string>());
    case json::value_t::array: {
      ValueList list;
      for (const auto& x : j) list.push_back(convert(x, depth + 1, what));
      return Value(std::move(list));
    }
    case json::value_t::object: {
      Dict d;
      for (const auto& [k, v] : j.items()) d.set(k, convert(v, depth + 1, what));
      return Value(std::move(d));
    }
    default:
      fail(Status::kInvalidArgument, std::string(what) + ": not a JSON value");
  }
}

}  // namespace

Value value_from_json(const std::string& text, const char* what) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    fail(Status::kInvalidArgument, std::string(what) + ": invalid JSON: " + e.what());
  }
  return convert(j, 0, what);
}

}  // namespace hearth::tmpl
