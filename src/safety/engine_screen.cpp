#include "safety/engine_screen.hpp"

namespace hearth::safety {
namespace {

class GuardScreen final : public engine::OutputScreen {
 public:
  explicit GuardScreen(std::shared_ptr<const ContentFilter> filter)
      : filter_(std::move(filter)), guard_(*filter_) {}

  Step feed(std::string_view text) override { return convert(guard_.feed(text)); }
  Step finish() override { return convert(guard_.finish()); }

 private:
  Step convert(OutputGuard::Step s) const {
    Step out;
    out.release = std::move(s.release);
    out.blocked = s.blocked;
    if (s.blocked) out.category = guard_.verdict().category;
    return out;
  }
  std::shared_ptr<const ContentFilter> filter_;  // declared first: outlives guard_
  OutputGuard guard_;
};

}  // namespace

std::shared_ptr<engine::OutputScreen> make_output_screen(
    std::shared_ptr<const ContentFilter> filter) {
  if (!filter) return nullptr;
  if (filter->level() == Level::kOff && !filter->config().policy) return nullptr;
  return std::make_shared<GuardScreen>(std::move(filter));
}

}  // namespace hearth::safety
