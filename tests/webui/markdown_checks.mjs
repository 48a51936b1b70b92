// The page's Markdown renderer (src/server/webui/assets/markdown.js), tested inside the real
// browser on model-like text: hostile strings must come out as text (no script, no image, no
// event-handler attribute, no javascript:/data: link), and ordinary Markdown must still become
// the right elements (so "escape everything" would fail too).
// markdownChecks is serialized by puppeteer and run in the page: it must be self-contained.

export async function markdownChecks() {
  const { renderMarkdown } = await import(new URL("webui/markdown.js", document.baseURI).href);
  const results = [];
  const check = (name, ok, detail) => results.push({ name, ok: Boolean(ok), detail });
  const ALLOWED = new Set(["P", "BR", "H3", "H4", "H5", "H6", "HR", "BLOCKQUOTE", "UL", "OL", "LI",
                           "PRE", "CODE", "STRONG", "EM", "DEL", "A", "TABLE", "THEAD", "TBODY",
                           "TR", "TH", "TD", "DIV"]);
  const ATTRS = { A: ["href", "rel", "target"], OL: ["start"], TH: ["scope"], PRE: ["data-lang"] };
  // Every element and attribute the renderer may produce; returns the first offence or "".
  const offence = (root) => {
    for (const e of root.querySelectorAll("*")) {
      if (!ALLOWED.has(e.tagName)) return `element <${e.tagName.toLowerCase()}>`;
      for (const a of e.attributes) {
        if (a.name === "class") continue;
        if (!(ATTRS[e.tagName] || []).includes(a.name)) return `attribute ${a.name} on ${e.tagName}`;
        if (a.name === "href" && !/^(https?:|mailto:)/.test(a.value)) return `href ${a.value}`;
      }
    }
    return "";
  };
  const render = (md) => {
    const box = document.createElement("div");
    box.append(renderMarkdown(md));
    document.body.append(box);  // live, so a handler or a script would run if one got through
    return box;
  };

  const hostile = [
    ["script tag", "<script>window.__pwned = 1</script>", "<script>window.__pwned = 1</script>"],
    ["img onerror", '<img src=x onerror="window.__pwned=2">', '<img src=x onerror="window.__pwned=2">'],
    ["javascript: link", "[click](javascript:window.__pwned=3)", "click"],
    ["upper-case JAVASCRIPT: link", "[x](JAVASCRIPT:window.__pwned=4)", "x"],
    ["data: link", "[x](data:text/html,<script>alert(1)</script>)", null],
    ["image with onerror in its url", '![pic](x" onerror="window.__pwned=5)', null],
    ["image javascript:", "![x](javascript:window.__pwned=6)", "image: x"],
    ["raw anchor", '<a href="javascript:window.__pwned=7">x</a>', '<a href="javascript:window.__pwned=7">x</a>'],
    ["iframe, svg, style", '<iframe src="https://e.example/"></iframe><svg onload=window.__pwned=8><style>*{display:none}</style>',
     '<iframe src="https://e.example/"></iframe><svg onload=window.__pwned=8><style>*{display:none}</style>'],
    ["html in code fence", "```html\n<script>window.__pwned=9</script>\n```", "<script>window.__pwned=9</script>"],
    ["fence language injection", '```" onmouseover="window.__pwned=10\ncode\n```', "code"],
    ["html in table", "| a | b |\n|---|---|\n| <img src=x onerror=window.__pwned=11> | ok |", null],
    ["html inside bold", "**<b onclick=window.__pwned=12>bold</b>**", "<b onclick=window.__pwned=12>bold</b>"],
    ["entities stay text", "&lt;script&gt; &amp;", "&lt;script&gt; &amp;"],
    ["html in link text", "[<img src=x onerror=window.__pwned=13>](https://ok.example/)",
     "<img src=x onerror=window.__pwned=13>"],
  ];
  for (const [name, md, text] of hostile) {
    const box = render(md);
    const bad = offence(box);
    check(`hostile: ${name}: only safe elements`, !bad, bad);
    if (text !== null) check(`hostile: ${name}: shown as text`, box.textContent === text, box.textContent);
    box.remove();
  }
  await new Promise((r) => setTimeout(r, 50));
  check("hostile: nothing ran", window.__pwned === undefined, window.__pwned);

  const doc = render([
    "# Title", "", "Some **bold**, *em*, ~~gone~~ and `a < b`.", "second line", "",
    "- one", "- two", "  - nested", "", "3. three", "4. four", "", "> quoted", "",
    "| h1 | h2 |", "|----|:--:|", "| c1 | c2 |", "", "```js", "let x = 1 < 2;", "```", "",
    "see https://example.com/x. and [docs](https://example.com/d) and [**b**](mailto:a@b.example)",
    "", "snake_case_name stays", "", "---", "```py", "print('unclosed')",
  ].join("\n"));
  const q = (s) => doc.querySelector(s);
  check("markdown: heading", q("h3")?.textContent === "Title", doc.innerHTML);
  check("markdown: strong, em, del, code", q("p strong")?.textContent === "bold" &&
        q("p em")?.textContent === "em" && q("p del")?.textContent === "gone" &&
        q("p code")?.textContent === "a < b", q("p")?.innerHTML);
  check("markdown: line break", q("p br") !== null, q("p")?.innerHTML);
  check("markdown: nested list", doc.querySelectorAll(":scope > ul > li").length === 2 &&
        q("ul > li > ul > li")?.textContent === "nested", q("ul")?.outerHTML);
  check("markdown: ordered list start", q("ol")?.start === 3 && q("ol").children.length === 2,
        q("ol")?.outerHTML);
  check("markdown: blockquote", q("blockquote")?.textContent.trim() === "quoted");
  check("markdown: table", doc.querySelectorAll("th").length === 2 &&
        [...doc.querySelectorAll("td")].map((t) => t.textContent).join() === "c1,c2");
  const code = doc.querySelectorAll("pre code");
  check("markdown: fenced code", code[0]?.className === "language-js" &&
        code[0]?.textContent === "let x = 1 < 2;", code[0]?.outerHTML);
  check("markdown: unclosed fence still code", code[1]?.textContent === "print('unclosed')");
  const links = [...doc.querySelectorAll("a")];
  check("markdown: links", links.map((a) => a.href).join(" ") ===
        "https://example.com/x https://example.com/d mailto:a@b.example" &&
        links.every((a) => a.rel.includes("noopener") && a.target === "_blank") &&
        links[2].querySelector("strong") !== null, links.map((a) => a.outerHTML));
  check("markdown: trailing period not in bare link", doc.textContent.includes("https://example.com/x. and"));
  check("markdown: snake_case is not emphasis", [...doc.querySelectorAll("p")].some(
        (p) => p.textContent === "snake_case_name stays" && !p.querySelector("em")));
  check("markdown: rule", q("hr") !== null);
  check("markdown: only safe elements", !offence(doc), offence(doc));
  doc.remove();
  return results;
}
