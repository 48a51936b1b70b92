#include "capi_tools.hpp"

namespace hearth::capi {

engine::OutputScreen::Step TextTap::keep(Step s) {
  std::lock_guard<std::mutex> lock(mu_);
  text_ += s.release;
  return s;
}

engine::OutputScreen::Step TextTap::feed(std::string_view text) {
  if (inner_) return keep(inner_->feed(text));
  Step s;
  s.release = std::string(text);
  return keep(std::move(s));
}

engine::OutputScreen::Step TextTap::finish() {
  return inner_ ? keep(inner_->finish()) : Step{};
}

std::string TextTap::text() const {
  std::lock_guard<std::mutex> lock(mu_);
  return text_;
}

}  // namespace hearth::capi
