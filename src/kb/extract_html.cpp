// HTML -> text through libxml2's forgiving HTML parser (the same parser xmllint --html uses):
// malformed markup is recovered, never fatal. Block-level elements end a paragraph (a blank
// line, which the chunker splits on); inline whitespace collapses to one space as a browser
// renders it, except inside <pre>.
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include <cstring>
#include <memory>

#include "hearth/error.hpp"
#include "kb/extract.hpp"

namespace hearth::kb {
namespace {

bool name_in(const xmlChar* name, std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (xmlStrcasecmp(name, reinterpret_cast<const xmlChar*>(n)) == 0) return true;
  return false;
}

bool is_skipped(const xmlChar* name) {
  return name_in(name, {"script", "style", "noscript", "template", "head", "svg", "math"});
}

bool is_block(const xmlChar* name) {
  return name_in(name, {"p",       "div",     "h1",         "h2",      "h3",      "h4",
                        "h5",      "h6",      "li",         "ul",      "ol",      "dl",
                        "dt",      "dd",      "table",      "tr",      "pre",     "blockquote",
                        "section", "article", "header",     "footer",  "nav",     "aside",
                        "main",    "figure",  "figcaption", "hr",      "address", "form",
                        "title",   "body",    "caption",    "details", "summary", "fieldset"});
}

class Walker {
 public:
  explicit Walker(ExtractedText& out) : out_(out) {}

  void walk(xmlNode* node, bool pre) {
    for (xmlNode* n = node; n; n = n->next) {
      if (n->type == XML_ELEMENT_NODE) {
        if (is_skipped(n->name)) continue;
        if (name_in(n->name, {"br"})) {
          newline();
          continue;
        }
        const bool block = is_block(n->name);
        if (block) paragraph();
        if (name_in(n->name, {"td", "th"})) space();
        walk(n->children, pre || name_in(n->name, {"pre"}));
        if (block) paragraph();
      } else if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
        text(n, pre);
      }
    }
  }

  void title(xmlDoc* doc) {
    // <title> lives in <head>, which is otherwise skipped: keep it as the first paragraph.
    xmlNode* root = xmlDocGetRootElement(doc);
    for (xmlNode* h = root ? root->children : nullptr; h; h = h->next) {
      if (h->type != XML_ELEMENT_NODE || !name_in(h->name, {"head"})) continue;
      for (xmlNode* t = h->children; t; t = t->next)
        if (t->type == XML_ELEMENT_NODE && name_in(t->name, {"title"})) walk(t, false);
    }
  }

 private:
  void mark(xmlNode* n) {
    const int line = static_cast<int>(xmlGetLineNo(n));
    if (line > 0 && (out_.marks.empty() || out_.marks.back().second != line))
      out_.marks.emplace_back(out_.text.size(), line);
  }
  void text(xmlNode* n, bool pre) {
    const char* s = reinterpret_cast<const char*>(n->content);
    if (!s) return;
    bool marked = false;
    for (; *s; ++s) {
      const char c = *s;
      const bool ws = c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f';
      if (pre && c == '\n') {
        newline();
        continue;
      }
      if (ws && !pre) {
        pending_space_ = true;
        continue;
      }
      if (!marked) {
        mark(n);
        marked = true;
      }
      if (pending_space_ && !out_.text.empty() && out_.text.back() != '\n') out_.text += ' ';
      pending_space_ = false;
      out_.text += c;
    }
  }
  void space() { pending_space_ = true; }
  void newline() {
    pending_space_ = false;
    if (!out_.text.empty() && out_.text.back() != '\n') out_.text += '\n';
  }
  void paragraph() {
    pending_space_ = false;
    if (out_.text.empty()) return;
    if (out_.text.back() != '\n') out_.text += '\n';
    if (out_.text.size() < 2 || out_.text[out_.text.size() - 2] != '\n') out_.text += '\n';
  }

  ExtractedText& out_;
  bool pending_space_ = false;
};

}  // namespace

ExtractedText extract_html(const std::string& path, const std::string& bytes) {
  if (bytes.size() > static_cast<size_t>(INT32_MAX))
    hearth::fail(Status::kInvalidArgument, "HTML file too large for the parser");
  // NONET: never fetch anything; RECOVER: broken markup is read as a browser would.
  const int options =
      HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET;
  std::unique_ptr<xmlDoc, void (*)(xmlDocPtr)> doc(
      htmlReadMemory(bytes.data(), static_cast<int>(bytes.size()), path.c_str(), nullptr, options),
      xmlFreeDoc);
  if (!doc) hearth::fail(Status::kInvalidArgument, "libxml2 could not parse it as HTML");
  ExtractedText out;
  out.kind = "html";
  Walker w(out);
  w.title(doc.get());
  w.walk(xmlDocGetRootElement(doc.get()), false);
  while (!out.text.empty() && out.text.back() == '\n') out.text.pop_back();
  if (out.marks.empty()) out.marks.emplace_back(0, 1);
  // libxml2 converts to UTF-8 from the declared charset; repair anything it let through.
  out.replaced_bytes = repair_utf8(out.text);
  return out;
}

}  // namespace hearth::kb
