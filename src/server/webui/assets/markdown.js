// Markdown → DOM for model replies, safe by construction: the output is built with
// createElement from a fixed list of tag names and every piece of the model's text goes in as a
// Text node, so nothing the model writes is ever parsed as HTML (no innerHTML anywhere). The
// only attribute that carries model text is a link's href, and only for http(s) and mailto URLs.
// Images are never loaded: ![alt](url) becomes a link.
// Covers what chat models write: paragraphs, line breaks, headings, fenced and indented code,
// lists (nested), block quotes, tables, rules, `code`, **strong**, *em*, ~~del~~, [links](url)
// and bare URLs. Unclosed fences render as code, so a reply being streamed looks right.

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)/;
const HEADING = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const RULE = /^ {0,3}([-*_])( *\1){2,} *$/;
const QUOTE = /^ {0,3}> ?(.*)$/;
const ITEM = /^( *)([-*+]|\d{1,9}[.)])( +|$)(.*)$/;
const TABLE_SEP = /^ *\|? *:?-+:? *(\| *:?-+:? *)*\|? *$/;
const ESCAPABLE = /[\\`*_{}[\]()#+\-.!|~<>"']/;

function el(tag, cls) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  return e;
}

// The URL if it is absolute and http(s) or mailto; null for anything else (javascript:, data:,
// relative paths, garbage).
export function safeUrl(href) {
  let u;
  try {
    u = new URL(href);
  } catch {
    return null;
  }
  return ["http:", "https:", "mailto:"].includes(u.protocol) ? u.href : null;
}

// `text` is Markdown for [text](url) links, plain for bare URLs (whose text is the URL itself).
function link(text, href, into, plain = false) {
  const url = safeUrl(href);
  if (!url) {
    into.append(text);
    return;
  }
  const a = el("a");
  a.href = url;
  a.rel = "noopener noreferrer nofollow";
  a.target = "_blank";
  if (plain) a.textContent = text;
  else inline(text, a);
  into.append(a);
}

// [text](url) starting at i (src[i] === "["): {text, href, end} or null.
function linkAt(src, i) {
  let depth = 0;
  let j = i;
  for (; j < src.length; j++) {
    if (src[j] === "\\") j++;
    else if (src[j] === "[") depth++;
    else if (src[j] === "]" && --depth === 0) break;
  }
  if (j >= src.length || src[j + 1] !== "(") return null;
  const close = src.indexOf(")", j + 2);
  if (close < 0) return null;
  const href = src.slice(j + 2, close).trim().split(/\s+/)[0].replace(/^<(.*)>$/, "$1");
  return { text: src.slice(i + 1, j), href, end: close + 1 };
}

// Emphasis delimiters, longest first.
const DELIMS = [
  ["**", "strong"],
  ["__", "strong"],
  ["~~", "del"],
  ["*", "em"],
  ["_", "em"],
];

function inline(src, into) {
  let buf = "";
  const flush = () => {
    if (buf) into.append(buf);
    buf = "";
  };
  let i = 0;
  outer: while (i < src.length) {
    const c = src[i];
    if (c === "\\" && ESCAPABLE.test(src[i + 1] || "")) {
      buf += src[i + 1];
      i += 2;
      continue;
    }
    if (c === "`") {
      const run = /^`+/.exec(src.slice(i))[0];
      const end = src.indexOf(run, i + run.length);
      if (end > 0) {
        flush();
        const code = el("code");
        code.textContent = src.slice(i + run.length, end).replace(/^ (.+) $/, "$1");
        into.append(code);
        i = end + run.length;
      } else {
        buf += run;
        i += run.length;
      }
      continue;
    }
    if ((c === "[" || (c === "!" && src[i + 1] === "[")) && src.indexOf("](", i) > 0) {
      const image = c === "!";
      const m = linkAt(src, image ? i + 1 : i);
      if (m) {
        flush();
        link(image ? `image: ${m.text || m.href}` : m.text, m.href, into);
        i = m.end;
        continue;
      }
    }
    if (c === "h" && /^https?:\/\//.test(src.slice(i, i + 8)) && !/\w/.test(src[i - 1] || "")) {
      let url = /^[^\s<>"]+/.exec(src.slice(i))[0];
      url = url.replace(/[.,;:!?)\]'*_]+$/, "");
      flush();
      link(url, url, into, true);
      i += url.length;
      continue;
    }
    for (const [d, tag] of DELIMS) {
      if (!src.startsWith(d, i)) continue;
      const after = src[i + d.length] || "";
      // Not an opener: followed by a space, or "_" inside a word (snake_case).
      if (!after || /\s/.test(after)) break;
      if (d[0] === "_" && /\w/.test(src[i - 1] || "")) break;
      // A closer follows a non-space; "_" closers also end a word (not snake_case inside).
      const closes = (at) => !/\s/.test(src[at - 1]) && !(d.length === 1 && src[at + 1] === d) &&
                             !(d[0] === "_" && /\w/.test(src[at + d.length] || ""));
      let end = src.indexOf(d, i + d.length);
      while (end > 0 && !closes(end)) end = src.indexOf(d, end + 1);
      if (end < 0) break;
      flush();
      const e = el(tag);
      inline(src.slice(i + d.length, end), e);
      into.append(e);
      i = end + d.length;
      continue outer;
    }
    buf += c;
    i++;
  }
  flush();
}

// Lines joined by <br>: chat models use single newlines as line breaks.
function paragraph(lines, into) {
  const p = el("p");
  lines.forEach((line, k) => {
    if (k) p.append(el("br"));
    inline(line.trim(), p);
  });
  into.append(p);
}

function codeBlock(lang, lines, into) {
  const pre = el("pre", "code-block");
  const code = el("code");
  if (/^[\w+#.-]{1,32}$/.test(lang)) {
    code.className = `language-${lang}`;
    pre.dataset.lang = lang;
  }
  code.textContent = lines.join("\n");
  pre.append(code);
  into.append(pre);
}

function splitRow(line) {
  let s = line.trim();
  if (s.startsWith("|")) s = s.slice(1);
  if (s.endsWith("|") && !s.endsWith("\\|")) s = s.slice(0, -1);
  return s.split(/(?<!\\)\|/).map((c) => c.trim());
}

function table(header, rows, into) {
  const wrap = el("div", "table-wrap");
  const t = el("table");
  const head = el("thead");
  const hr = el("tr");
  for (const cell of splitRow(header)) {
    const th = el("th");
    th.scope = "col";
    inline(cell, th);
    hr.append(th);
  }
  head.append(hr);
  const body = el("tbody");
  for (const row of rows) {
    const tr = el("tr");
    for (const cell of splitRow(row)) {
      const td = el("td");
      inline(cell, td);
      tr.append(td);
    }
    body.append(tr);
  }
  t.append(head, body);
  wrap.append(t);
  into.append(wrap);
}

function startsBlock(line) {
  return FENCE.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line) ||
         ITEM.test(line);
}

function blocks(lines, into) {
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) {
      i++;
      continue;
    }
    let m = FENCE.exec(line);
    if (m) {
      const body = [];
      const indent = /^ */.exec(line)[0].length;
      for (i++; i < lines.length; i++) {
        const close = new RegExp(`^ {0,3}${m[1][0]}{${m[1].length},}\\s*$`);
        if (close.test(lines[i])) {
          i++;
          break;
        }
        body.push(lines[i].slice(Math.min(indent, /^ */.exec(lines[i])[0].length)));
      }
      codeBlock(m[2], body, into);
      continue;
    }
    if (/^( {4}|\t)/.test(line)) {
      const body = [];
      while (i < lines.length && (/^( {4}|\t)/.test(lines[i]) || !lines[i].trim())) {
        body.push(lines[i].replace(/^( {4}|\t)/, ""));
        i++;
      }
      while (body.length && !body[body.length - 1].trim()) body.pop();
      codeBlock("", body, into);
      continue;
    }
    m = HEADING.exec(line);
    if (m) {
      // h3..h6: the page's own h1/h2 stay above anything a reply contains.
      const h = el(`h${Math.min(6, m[1].length + 2)}`);
      inline(m[2], h);
      into.append(h);
      i++;
      continue;
    }
    if (RULE.test(line)) {
      into.append(el("hr"));
      i++;
      continue;
    }
    if (QUOTE.test(line)) {
      const body = [];
      while (i < lines.length && QUOTE.test(lines[i])) body.push(QUOTE.exec(lines[i++])[1]);
      const q = el("blockquote");
      blocks(body, q);
      into.append(q);
      continue;
    }
    m = ITEM.exec(line);
    if (m) {
      i = list(lines, i, into);
      continue;
    }
    if (line.includes("|") && i + 1 < lines.length && TABLE_SEP.test(lines[i + 1]) &&
        lines[i + 1].includes("-")) {
      const rows = [];
      let j = i + 2;
      while (j < lines.length && lines[j].includes("|") && lines[j].trim()) rows.push(lines[j++]);
      table(line, rows, into);
      i = j;
      continue;
    }
    const para = [];
    while (i < lines.length && lines[i].trim() && (para.length === 0 || !startsBlock(lines[i])))
      para.push(lines[i++]);
    paragraph(para, into);
  }
}

// A list from lines[i]; returns the index after it. Items hold their indented continuation
// lines, rendered as blocks (so lists nest); a one-paragraph item is rendered without <p>.
function list(lines, i, into) {
  const first = ITEM.exec(lines[i]);
  const ordered = /\d/.test(first[2]);
  const indent = first[1].length;
  const l = el(ordered ? "ol" : "ul");
  if (ordered && parseInt(first[2], 10) !== 1) l.start = parseInt(first[2], 10);
  while (i < lines.length) {
    const m = ITEM.exec(lines[i]);
    if (!m || m[1].length !== indent || /\d/.test(m[2]) !== ordered) break;
    const contentIndent = indent + m[2].length + Math.max(1, m[3].length);
    const body = [m[4]];
    for (i++; i < lines.length; i++) {
      const line = lines[i];
      const lead = /^ */.exec(line)[0].length;
      if (!line.trim()) {
        const next = lines[i + 1];
        if (next !== undefined && /^ */.exec(next)[0].length > indent && next.trim()) {
          body.push("");
          continue;
        }
        break;
      }
      if (lead > indent) body.push(line.slice(Math.min(lead, contentIndent)));
      else if (ITEM.test(line) || startsBlock(line)) break;
      else body.push(line.trim());  // a lazy continuation line
    }
    const li = el("li");
    const tmp = document.createDocumentFragment();
    blocks(body, tmp);
    if (tmp.childNodes.length === 1 && tmp.firstChild.nodeName === "P") {
      li.append(...tmp.firstChild.childNodes);
    } else {
      li.append(tmp);
    }
    l.append(li);
    while (i < lines.length && !lines[i].trim()) {
      if (i + 1 < lines.length && ITEM.test(lines[i + 1]) &&
          ITEM.exec(lines[i + 1])[1].length === indent) {
        i++;
      } else {
        break;
      }
    }
  }
  into.append(l);
  return i;
}

// The Markdown text as a DocumentFragment of safe elements.
export function renderMarkdown(text) {
  const frag = document.createDocumentFragment();
  blocks(String(text).replace(/\r\n?/g, "\n").split("\n"), frag);
  return frag;
}
