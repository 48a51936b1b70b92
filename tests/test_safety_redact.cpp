// Redaction (src/safety/redact.hpp): e-mail addresses, phone numbers and Luhn-valid card
// numbers are masked; dates, prices, versions and Luhn-invalid numbers are left alone.
#include <gtest/gtest.h>

#include "safety/redact.hpp"

namespace hearth::safety {
namespace {

TEST(Redact, MasksEmailPhoneAndValidCards) {
  EXPECT_EQ(redact("mail jane.doe+x@mail.example.co.uk now"), "mail [EMAIL] now");
  EXPECT_EQ(redact("call +1 (555) 123-4567 or 020 7946 0958."), "call [PHONE] or [PHONE].");
  EXPECT_EQ(redact("card 4111 1111 1111 1111 ok"), "card [CARD] ok");
  EXPECT_EQ(redact("card 5500-0000-0000-0004"), "card [CARD]");
  EXPECT_EQ(redact("amex 378282246310005."), "amex [CARD].");
}

TEST(Redact, LeavesOtherNumbersAlone) {
  EXPECT_EQ(redact("on 2024-01-15 at 10:30"), "on 2024-01-15 at 10:30");
  EXPECT_EQ(redact("order 1234567 costs $19.99, v1.2.3"), "order 1234567 costs $19.99, v1.2.3");
  // 16 digits failing Luhn: not a card (and too long for a phone number).
  EXPECT_EQ(redact("ref 4111 1111 1111 1112"), "ref 4111 1111 1111 1112");
  EXPECT_EQ(redact("no at@all"), "no at@all");
}

TEST(Redact, OptionsSelectWhatIsMasked) {
  RedactOptions o;
  o.email = false;
  EXPECT_EQ(redact("a@b.io 555-123-4567", o), "a@b.io [PHONE]");
}

TEST(Redact, Luhn) {
  EXPECT_TRUE(luhn_valid("79927398713"));
  EXPECT_FALSE(luhn_valid("79927398710"));
  EXPECT_FALSE(luhn_valid(""));
}

}  // namespace
}  // namespace hearth::safety
