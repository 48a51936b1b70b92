// Redaction of personal data in text bound for logs or storage: e-mail addresses, phone
// numbers and payment card numbers (only digit runs that pass the Luhn check, so order numbers
// and other long numbers are left alone). Errs towards masking: a log loses a number rather
// than leaking one.
#pragma once

#include <string>
#include <string_view>

namespace hearth::safety {

struct RedactOptions {
  bool email = true;  // -> [EMAIL]
  bool phone = true;  // -> [PHONE]: 7..15 digits with a +, parentheses or separators
  bool card = true;   // -> [CARD]: 13..19 digits (spaces/dashes allowed) passing Luhn
};

std::string redact(std::string_view text, const RedactOptions& options = {});

// The Luhn checksum of a string of digits (other characters are skipped).
bool luhn_valid(std::string_view digits);

}  // namespace hearth::safety
