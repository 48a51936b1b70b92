// Text extraction: a file's bytes -> UTF-8 text plus where each part came from (line or page).
//   .txt .text .md .markdown   the file itself (UTF-8; invalid bytes replaced by U+FFFD)
//   .html .htm .xhtml          libxml2's HTML parser; text of the body, block elements become
//                              paragraph breaks, script/style dropped; lines of the source
//   .pdf                       `pdftotext` (poppler-utils) when installed; page numbers
// Every failure is a hearth::Error whose message says what is wrong with the file.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace hearth::kb {

struct ExtractedText {
  std::string kind;    // "text", "markdown", "html", "pdf"
  std::string text;    // UTF-8
  bool paged = false;  // marks are page numbers (PDF), else line numbers
  // (offset in text, line or page) in increasing offset order: text from an offset on comes
  // from that line or page of the source.
  std::vector<std::pair<size_t, int>> marks;
  size_t replaced_bytes = 0;  // invalid UTF-8 sequences replaced by U+FFFD
  // Line or page of the text at `offset` (1 when there are no marks).
  int locate(size_t offset) const;
};

// The kind for a path's extension, or "" when the extension is not one we read.
std::string kind_for_path(const std::string& path);

// Extracts `bytes` (the file's content) of the given kind. `path` is used for messages and,
// for PDF, handed to pdftotext.
ExtractedText extract_text(const std::string& path, const std::string& kind, std::string bytes);

// Helpers shared by the extractors (utf8_text.cpp).
// True when the bytes look like a binary file (a NUL byte in the first 64 KiB).
bool looks_binary(const std::string& bytes);
// Replaces each invalid UTF-8 sequence with U+FFFD in place; returns how many were replaced.
size_t repair_utf8(std::string& text);
// Line-start marks of plain text (line 1 at offset 0).
std::vector<std::pair<size_t, int>> line_marks(const std::string& text);

// Backends.
ExtractedText extract_html(const std::string& path, const std::string& bytes);
ExtractedText extract_pdf(const std::string& path);

}  // namespace hearth::kb
