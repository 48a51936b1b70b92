#include "kb/extract.hpp"

#include <algorithm>
#include <cctype>

#include "hearth/error.hpp"

namespace hearth::kb {

std::string kind_for_path(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  const size_t dot = path.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  std::string ext = path.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == "txt" || ext == "text") return "text";
  if (ext == "md" || ext == "markdown") return "markdown";
  if (ext == "html" || ext == "htm" || ext == "xhtml") return "html";
  if (ext == "pdf") return "pdf";
  return "";
}

ExtractedText extract_text(const std::string& path, const std::string& kind, std::string bytes) {
  if (kind == "pdf") return extract_pdf(path);
  if (looks_binary(bytes))
    hearth::fail(Status::kInvalidArgument, "binary content (NUL bytes) in a ." + kind + " file");
  if (kind == "html") return extract_html(path, bytes);
  if (kind != "text" && kind != "markdown")
    hearth::fail(Status::kUnsupported, "unsupported file type");
  ExtractedText out;
  out.kind = kind;
  // A UTF-8 byte-order mark is not text; line 1 still starts at offset 0.
  if (bytes.compare(0, 3, "\xEF\xBB\xBF") == 0) bytes.erase(0, 3);
  out.replaced_bytes = repair_utf8(bytes);
  out.text = std::move(bytes);
  out.marks = line_marks(out.text);
  return out;
}

}  // namespace hearth::kb
