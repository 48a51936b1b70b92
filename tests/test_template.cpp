// Unit tests of the Jinja interpreter (src/template/) with hand-computed renderings: whitespace
// control, loops, scoping, macros, filters, tests, methods, operators, undefined semantics,
// error messages and the limits that stop hostile templates.
#include <gtest/gtest.h>

#include <string>

#include "hearth/error.hpp"
#include "template/chat_template.hpp"

namespace {

using hearth::tmpl::ChatMessage;
using hearth::tmpl::RenderOptions;

std::string render(const std::string& source, bool add_generation_prompt = false) {
  const std::vector<ChatMessage> messages = {{"user", "hi"}, {"assistant", "yo"}};
  RenderOptions options;
  options.add_generation_prompt = add_generation_prompt;
  options.bos_token = "<s>";
  options.eos_token = "</s>";
  options.now_unix_seconds = 1767323045;  // 2026-01-02 03:04:05 UTC
  return hearth::tmpl::render_chat_template(source, messages, options);
}

// The message of the kTemplateError that rendering `source` throws ("" if it renders).
std::string error_of(const std::string& source) {
  try {
    render(source);
  } catch (const hearth::Error& e) {
    EXPECT_EQ(e.status(), hearth::Status::kTemplateError) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "rendered without error: " << source;
  return "";
}

TEST(TemplateWhitespace, MinusStripsAdjacentWhitespace) {
  EXPECT_EQ(render("a  \n {%- if true %} b{% endif %}"), "a b");
  EXPECT_EQ(render("a \n{{- 'b' -}}\n c"), "abc");
  EXPECT_EQ(render("{% if true -%}\n\n  x{%- endif %}"), "x");
}

TEST(TemplateWhitespace, TrimBlocksDropsOneNewlineAfterBlockTags) {
  EXPECT_EQ(render("{% if true %}\nX\n{% endif %}\nY"), "X\nY");
  EXPECT_EQ(render("{% if true %}\n\nX{% endif %}"), "\nX");
  // Not after {{ }}: only block tags and comments trim.
  EXPECT_EQ(render("{{ 'a' }}\nb"), "a\nb");
  // +%} keeps the newline.
  EXPECT_EQ(render("{% if true +%}\nX{% endif %}"), "\nX");
}

TEST(TemplateWhitespace, LstripBlocksRemovesIndentBeforeBlockTags) {
  EXPECT_EQ(render("  {% if true %}X{% endif %}"), "X");
  EXPECT_EQ(render("line\n    {% if true %}X\n    {% endif %}\nend"), "line\nX\nend");
  // Only when the tag starts the line, and never before {{ }}.
  EXPECT_EQ(render("a  {% if true %}X{% endif %}"), "a  X");
  EXPECT_EQ(render("  {{ 'x' }}"), "  x");
  EXPECT_EQ(render("  {%+ if true %}X{% endif %}"), "  X");
}

TEST(TemplateWhitespace, CommentsAreDroppedAndTrimmedLikeBlocks) {
  EXPECT_EQ(render("a{# note #}b"), "ab");
  EXPECT_EQ(render("a\n  {# note #}\nb"), "a\nb");
  EXPECT_EQ(render("a  {#- note -#}  b"), "ab");
}

TEST(TemplateWhitespace, NewlinesNormalizedAndOneTrailingNewlineDropped) {
  EXPECT_EQ(render("a\n"), "a");
  EXPECT_EQ(render("a\n\n"), "a\n");
  EXPECT_EQ(render("a\r\nb\rc"), "a\nb\nc");
  EXPECT_EQ(render("{{ 'x\r\ny' }}"), "x\ny");
}

TEST(TemplateWhitespace, RawBlocksAreVerbatim) {
  EXPECT_EQ(render("{% raw %}{{ x }}{% endraw %}"), "{{ x }}");
}

TEST(TemplateLoops, LoopVariables) {
  EXPECT_EQ(render("{% for x in [1, 2, 3] %}{{ loop.index }}{{ loop.first }}{{ loop.last }} "
                   "{% endfor %}"),
            "1TrueFalse 2FalseFalse 3FalseTrue ");
  EXPECT_EQ(render("{% for x in 'ab' %}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}/"
                   "{{ loop.length }} {% endfor %}"),
            "021/2 110/2 ");
  EXPECT_EQ(render("{% for x in [1, 2, 3] %}{{ loop.previtem | default('-') }}{{ loop.nextitem | "
                   "default('-') }},{% endfor %}"),
            "-2,13,2-,");
  EXPECT_EQ(render("{% for x in [1, 2, 3] %}{{ loop.cycle('a', 'b') }}{% endfor %}"), "aba");
  EXPECT_EQ(render("{% for x in [1, 1, 2, 2, 1] %}{% if loop.changed(x) %}{{ x }}{% endif %}"
                   "{% endfor %}"),
            "121");
}

TEST(TemplateLoops, ElseFilterUnpackingBreakContinue) {
  EXPECT_EQ(render("{% for x in [] %}a{% else %}empty{% endfor %}"), "empty");
  EXPECT_EQ(render("{% for x in range(10) if x is odd %}{{ loop.index }}:{{ x }},{% endfor %}"),
            "1:1,2:3,3:5,4:7,5:9,");
  EXPECT_EQ(render("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }};{% endfor %}"),
            "a=1;b=2;");
  EXPECT_EQ(render("{% for x in range(10) %}{% if x == 3 %}{% break %}{% endif %}"
                   "{% if x == 1 %}{% continue %}{% endif %}{{ x }}{% endfor %}"),
            "02");
  EXPECT_EQ(render("{% for m in messages %}{{ m.role }}:{{ m['content'] }} {% endfor %}"),
            "user:hi assistant:yo ");
  EXPECT_EQ(render("{% for k in {'x': 1, 'y': 2} %}{{ k }}{% endfor %}"), "xy");
}

TEST(TemplateScoping, LoopsDoNotLeakButNamespacesDo) {
  EXPECT_EQ(render("{% set x = 1 %}{% for i in [1] %}{% set x = 2 %}{% endfor %}{{ x }}"), "1");
  EXPECT_EQ(render("{% set x = 1 %}{% if true %}{% set x = 2 %}{% endif %}{{ x }}"), "2");
  EXPECT_EQ(render("{% set ns = namespace(n=0) %}{% for i in range(4) %}{% set ns.n = ns.n + i %}"
                   "{% endfor %}{{ ns.n }}"),
            "6");
  EXPECT_EQ(render("{% set a, b = 1, 2 %}{{ b }}{{ a }}"), "21");
  EXPECT_NE(error_of("{% set x = 1 %}{% set x.y = 2 %}").find("non-namespace"), std::string::npos);
}

TEST(TemplateScoping, BlockSet) {
  EXPECT_EQ(render("{% set s %}a{{ 1 + 1 }}{% endset %}[{{ s }}]"), "[a2]");
  EXPECT_EQ(render("{% set s | upper %}ab{% endset %}{{ s }}"), "AB");
}

TEST(TemplateMacros, DefaultsKeywordsCaller) {
  EXPECT_EQ(render("{% macro m(a, b='x') %}{{ a }}-{{ b }}{% endmacro %}"
                   "{{ m(1) }} {{ m(1, b=2) }} {{ m(1, 3) }} [{{ m() }}]"),
            "1-x 1-2 1-3 [-x]");
  EXPECT_EQ(render("{% macro w(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}"
                   "{% call w('b') %}in{% endcall %}"),
            "<b>in</b>");
  EXPECT_EQ(
      render("{% macro f() %}{{ varargs | length }}{{ kwargs.k }}{% endmacro %}{{ f(1, 2, k=3) }}"),
      "23");
  // A macro sees the template's variables.
  EXPECT_EQ(render("{% set g = 'G' %}{% macro m() %}{{ g }}{{ bos_token }}{% endmacro %}{{ m() }}"),
            "G<s>");
  EXPECT_EQ(render("{% filter upper %}abc{{ 'd' }}{% endfilter %}"), "ABCD");
  EXPECT_EQ(render("{% generation %}kept{% set g = 1 %}{% endgeneration %}{{ g is defined }}"),
            "keptFalse");
  EXPECT_EQ(render("{% set a = 1 %}{% with a = 2, b = a %}{{ a }}{{ b }}{% endwith %}{{ a }}"),
            "211");
}

TEST(TemplateFilters, TojsonLikeHuggingFace) {
  // Python json.dumps(ensure_ascii=False): ", " and ": " separators, insertion order, no HTML
  // escaping, non-ASCII kept, control characters escaped.
  EXPECT_EQ(render(R"({{ {'b': 1, 'a': [1, 2.5, none, true, "é\"\n<&>"]} | tojson }})"),
            R"({"b": 1, "a": [1, 2.5, null, true, "é\"\n<&>"]})");
  EXPECT_EQ(render("{{ {'a': [1], 'b': {}, 'c': []} | tojson(indent=2) }}"),
            "{\n  \"a\": [\n    1\n  ],\n  \"b\": {},\n  \"c\": []\n}");
  EXPECT_EQ(render("{{ {'b': 1, 'a': 2} | tojson(sort_keys=true) }}"), R"({"a": 2, "b": 1})");
  EXPECT_EQ(render("{{ [1, 2] | tojson(separators=(',', ':')) }}"), "[1,2]");
  EXPECT_EQ(render("{{ 'é' | tojson(ensure_ascii=true) }}"), R"("\u00e9")");
  EXPECT_EQ(render("{{ [0.1, 1e20, 3.0, 1e-7] | tojson }}"), "[0.1, 1e+20, 3.0, 1e-07]");
  EXPECT_NE(error_of("{{ missing | tojson }}").find("not JSON serializable"), std::string::npos);
}

TEST(TemplateFilters, TextFilters) {
  EXPECT_EQ(render("{{ '  x  ' | trim }}|{{ 'xxaxx' | trim('x') }}"), "x|a");
  EXPECT_EQ(render("{{ 'hELLO world' | capitalize }} {{ 'hello big-world' | title }}"),
            "Hello world Hello Big-World");
  EXPECT_EQ(render("{{ 'Ab' | upper }}{{ 'Ab' | lower }}"), "ABab");
  EXPECT_EQ(render("{{ 'aaa' | replace('a', 'b', 2) }}"), "bba");
  EXPECT_EQ(render("{{ 'a\\nb\\n\\nc' | indent(2) }}|{{ 'a\\nb' | indent(2, true) }}"),
            "a\n  b\n\n  c|  a\n  b");
  EXPECT_EQ(render(R"({{ "<a&\"'>" | e }})"), "&lt;a&amp;&#34;&#39;&gt;");
  EXPECT_EQ(render("{{ 'héllo' | length }} {{ [1, 2] | count }} {{ {'a': 1} | length }}"), "5 2 1");
  EXPECT_EQ(render("{{ '%s=%d' | format('x', 3) }} {{ '%s!' % 'hi' }}"), "x=3 hi!");
}

TEST(TemplateFilters, DefaultAndConversions) {
  EXPECT_EQ(
      render("{{ missing | default('d') }} {{ '' | default('e', true) }} {{ none | d('n') }}"),
      "d e None");
  EXPECT_EQ(render("{{ '42' | int + 1 }} {{ 3.7 | int }} {{ 'x' | int(7) }} {{ '2.5' | float }} "
                   "{{ 7 | string ~ 'x' }} {{ 2.5 | round }} {{ 3.14159 | round(2) }} "
                   "{{ 2.1 | round(0, 'ceil') }} {{ -3 | abs }}"),
            "43 3 7 2.5 7x 2.0 3.14 3.0 3");
}

TEST(TemplateFilters, PythonNumberRules) {
  // round() rounds the exact binary value (2.675 is 2.67499999...), halves to even; int() and
  // float() read no hexadecimal.
  EXPECT_EQ(render("{{ 2.675 | round(2) }} {{ 0.5 | round }} {{ 1.5 | round }} {{ '0x1A' | int }} "
                   "{{ '0x1A' | float }} {{ ' 42 ' | int }} {{ -3.99 | int }}"),
            "2.67 0.0 2.0 0 0.0 42 -3");
  EXPECT_EQ(render("{{ [1, 5, 10] | select('lessthan', 6) | list }} "
                   "{{ [1, 5, 10] | select('greaterthan', 4) | list }}"),
            "[1, 5] [5, 10]");
  EXPECT_EQ(render("{{ [{'a': 1}, {}] | map(attribute='a') | list }} {{ (1, 2) == [1, 2] }} "
                   "{% macro m() %}{{ varargs }}{% endmacro %}{{ m(1, 2) }}"),
            "[1, Undefined] False (1, 2)");
}

TEST(TemplateFilters, Sequences) {
  EXPECT_EQ(render("{{ [1, 2, 3] | join(', ') }} {{ [1, 2, 3] | first }} {{ 'abc' | last }} "
                   "{{ 'ab' | list }}"),
            "1, 2, 3 1 c ['a', 'b']");
  EXPECT_EQ(render("{{ messages | selectattr('role', 'equalto', 'user') | map(attribute='content') "
                   "| join('|') }}/{{ messages | rejectattr('role', 'eq', 'user') | "
                   "map(attribute='content') | first }}"),
            "hi/yo");
  EXPECT_EQ(render("{{ [1, 2, 3, 4] | select('even') | list }} {{ [0, 1, ''] | select | list }} "
                   "{{ [1, 2, 3] | reject('odd') | list }} {{ ['a', 'b'] | map('upper') | list }}"),
            "[2, 4] [1] [2] ['A', 'B']");
  EXPECT_EQ(render("{{ ['b', 'A', 'a', 'c'] | unique | list }} {{ ['b', 'A', 'c'] | sort }} "
                   "{{ [3, 1, 2] | sort(reverse=true) }}"),
            "['b', 'A', 'c'] ['A', 'b', 'c'] [3, 2, 1]");
  EXPECT_EQ(render("{% for k, v in {'b': 1, 'a': 2} | dictsort %}{{ k }}{{ v }}{% endfor %} "
                   "{% for k, v in {'x': 1} | items %}{{ k }}{{ v }}{% endfor %}"),
            "a2b1 x1");
  EXPECT_EQ(render("{{ [1, 2, 3] | reverse | list }} {{ 'abc' | reverse }} {{ [3, 1] | min }}"
                   "{{ [3, 1] | max }} {{ [1, 2, 3] | sum }}"),
            "[3, 2, 1] cba 13 6");
  EXPECT_EQ(render("{{ [{'n': {'m': 2}}, {'n': {'m': 1}}] | map(attribute='n.m') | list }}"),
            "[2, 1]");
}

TEST(TemplateTests, TypeAndValueTests) {
  EXPECT_EQ(
      render("{{ x is defined }} {{ none is none }} {{ 'a' is string }} {{ {} is mapping }} "
             "{{ [] is iterable }} {{ 1.5 is number }} {{ true is true }} {{ 1 is true }} "
             "{{ 2 is equalto 2 }} {{ 'a' is in 'abc' }} {{ none is not none }} "
             "{{ [] is sequence }} {{ 'a' is mapping }} {{ 3 is divisibleby(3) }} "
             "{{ false is false }} {{ x is undefined }} {{ 1 is integer }} {{ true is boolean }}"),
      "False True True True True True True False True True False True False True True True "
      "True True");
}

TEST(TemplateMethods, StringMethods) {
  EXPECT_EQ(
      render(
          "{{ '  a b  '.strip() }}|{{ 'xxa'.lstrip('x') }}|{{ 'axx'.rstrip('x') }}|"
          "{{ 'a,b,,c'.split(',') }}|{{ ' a  b '.split() }}|{{ 'a b c'.split(' ', 1) }}|"
          "{{ 'abc'.startswith('ab') }}|{{ 'abc'.endswith(('x', 'c')) }}|"
          "{{ 'aB'.upper() }}{{ 'aB'.lower() }}|{{ 'hello world'.title() }}|"
          "{{ '{}-{}'.format(1, 'x') }}|{{ '-'.join(['a', 'b']) }}|{{ 'aXa'.replace('a', 'b') }}"),
      "a b|a|a|['a', 'b', '', 'c']|['a', 'b']|['a', 'b c']|True|True|ABab|Hello World|1-x|a-b|bXb");
}

TEST(TemplateMethods, DictAndListMethods) {
  EXPECT_EQ(render("{% set d = {'a': 1} %}{{ d.get('a') }} {{ d.get('z') }} {{ d.get('z', 5) }} "
                   "{{ d.keys() | list }} {{ d.values() | list }} {{ d.items() | list }}"),
            "1 None 5 ['a'] [1] [('a', 1)]");
  EXPECT_EQ(render("{% set l = [1] %}{% set _ = l.append(2) %}{{ l }} {{ l.pop(0) }} {{ l }}"),
            "[1, 2] 1 [2]");
}

TEST(TemplateOperators, ArithmeticComparisonsSlicing) {
  EXPECT_EQ(
      render(
          "{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 2 ** 10 }} "
          "{{ 'ab' * 3 }} {{ 1 ~ 'x' ~ none }} {{ 1 == 1.0 }} {{ 'a' < 'b' }} "
          "{{ 'a' not in 'xyz' }} {{ 4 / 2 }} {{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ [1] + [2] }}"),
      "3 -4 1 2 3.5 1024 ababab 1xNone True True True 2.0 7 9 [1, 2]");
  EXPECT_EQ(render("{{ [1, 2, 3, 4][::-1] }} {{ 'hello'[1:3] }} {{ [1, 2, 3, 4][-2:] }} "
                   "{{ 'héllo'[::-1] }} {{ [1, 2, 3, 4, 5][::2] }} {{ messages[-1].role }}"),
            "[4, 3, 2, 1] el [3, 4] olléh [1, 3, 5] assistant");
  EXPECT_EQ(render("{{ 'y' if true else 'n' }}{{ 'y' if false else 'n' }}[{{ 'y' if false }}]"),
            "yn[]");
  EXPECT_EQ(render("{{ True }} {{ none }} {{ None }} {{ false }} {{ not true }} {{ 1 and 0 }} "
                   "{{ 0 or 'z' }}"),
            "True None None False False 0 z");
  EXPECT_EQ(render("{{ 'a' 'b' }} {{ '\\u00e9\\t|' }}"), "ab é\t|");
  EXPECT_EQ(
      render("{{ (1,) }} {{ (1, 'a') }} {{ {'b': 1} | dictsort }} {{ [none, 1.0, \"it's\"] }}"),
      "(1,) (1, 'a') [('b', 1)] [None, 1.0, \"it's\"]");
}

TEST(TemplateGlobals, VariablesAndFunctions) {
  EXPECT_EQ(render("{{ bos_token }}{{ eos_token }}{{ add_generation_prompt }}", true),
            "<s></s>True");
  EXPECT_EQ(render("{{ strftime_now('%Y-%m-%d %H:%M:%S, %d %b %Y') }}"),
            "2026-01-02 03:04:05, 02 Jan 2026");
  EXPECT_EQ(
      render("{{ range(3) | list }} {{ range(1, 7, 2) | list }} {{ range(3, 0, -1) | list }}"),
      "[0, 1, 2] [1, 3, 5] [3, 2, 1]");
  EXPECT_EQ(render("{{ dict(a=1)['a'] }}"), "1");
}

TEST(TemplateUndefined, BehavesLikeJinja2DefaultUndefined) {
  EXPECT_EQ(render("[{{ missing }}|{{ missing | length }}|{% for x in missing %}x{% endfor %}|"
                   "{{ missing is defined }}|{{ messages[0].nope }}|{{ messages[9] is defined }}|"
                   "{{ missing == missing }}|{{ 'a' in missing }}]"),
            "[|0||False||False|True|False]");
  EXPECT_NE(error_of("{{ missing.attr }}").find("'missing' is undefined"), std::string::npos);
  EXPECT_NE(error_of("{{ messages[0].nope.deeper }}").find("has no attribute 'nope'"),
            std::string::npos);
  EXPECT_NE(error_of("{{ missing + 1 }}").find("'missing' is undefined"), std::string::npos);
  EXPECT_NE(error_of("{{ missing() }}").find("undefined"), std::string::npos);
  // Python's int(), float() and indent's concatenation fail on an undefined, unlike str().
  EXPECT_NE(error_of("{{ missing | int }}").find("'missing' is undefined"), std::string::npos);
  EXPECT_NE(error_of("{{ missing | indent }}").find("'missing' is undefined"), std::string::npos);
  EXPECT_EQ(render("{{ namespace(a=1) }}"), "<Namespace {'a': 1}>");
}

TEST(TemplateErrors, MessagesNameTheProblemAndLine) {
  const std::string raised = error_of("ok\n{{ raise_exception('boom: ' ~ messages[0].role) }}");
  EXPECT_NE(raised.find("boom: user"), std::string::npos) << raised;
  EXPECT_NE(raised.find("line 2"), std::string::npos) << raised;
  EXPECT_NE(error_of("{{ x | nosuch }}").find("no filter named 'nosuch'"), std::string::npos);
  EXPECT_NE(error_of("{{ x is nosuch }}").find("no test named 'nosuch'"), std::string::npos);
  // Inside an if, Jinja2 defers the check to when the branch runs.
  EXPECT_EQ(render("{% if false %}{{ x | nosuch }}{% endif %}ok"), "ok");
  EXPECT_NE(error_of("{% if true %}{{ x | nosuch }}{% endif %}").find("no filter named"),
            std::string::npos);
  EXPECT_NE(error_of("{% if x %}open").find("expected 'endif'"), std::string::npos);
  EXPECT_NE(error_of("{{ 1 + }}").find("line 1"), std::string::npos);
  EXPECT_NE(error_of("{% frobnicate %}").find("unknown tag 'frobnicate'"), std::string::npos);
  EXPECT_NE(error_of("\n\n{{ (1 }}").find("line 3"), std::string::npos);
  EXPECT_NE(error_of("{{ 'abc }}").find("unterminated string"), std::string::npos);
  EXPECT_NE(error_of("{# never closed").find("unterminated comment"), std::string::npos);
  EXPECT_NE(error_of("{{ 1 / 0 }}").find("division by zero"), std::string::npos);
  EXPECT_NE(error_of("{{ 'a' + 1 }}").find("unsupported operand"), std::string::npos);
  EXPECT_NE(error_of("{% for x in 5 %}{% endfor %}").find("not iterable"), std::string::npos);
  EXPECT_NE(error_of("{{ 9223372036854775807 + 1 }}").find("integer overflow"), std::string::npos);
}

TEST(TemplateLimits, HostileTemplatesFailCleanly) {
  EXPECT_NE(error_of("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}"
                     "{% endfor %}")
                .find("iterations"),
            std::string::npos);
  EXPECT_NE(error_of("{% set s = 'x' * 1000000 %}{% for i in range(100) %}{{ s }}{% endfor %}")
                .find("output exceeds"),
            std::string::npos);
  EXPECT_NE(error_of("{{ 'x' * 100000000000 }}").find("limit"), std::string::npos);
  EXPECT_NE(error_of("{{ range(10000000000) | length }}").find("iterations"), std::string::npos);
  EXPECT_NE(error_of("{% macro r(n) %}{{ r(n + 1) }}{% endmacro %}{{ r(0) }}").find("nest deeper"),
            std::string::npos);
  EXPECT_NE(error_of("{{ " + std::string(1000, '(') + "1" + std::string(1000, ')') + " }}")
                .find("nests deeper"),
            std::string::npos);
  // Macros recursing through nested blocks: bounded as a whole, not just per level.
  std::string nested_macro = "{% macro r(n) %}";
  for (int i = 0; i < 100; ++i) nested_macro += "{% if true %}";
  nested_macro += "{{ r(n + 1) }}";
  for (int i = 0; i < 100; ++i) nested_macro += "{% endif %}";
  nested_macro += "{% endmacro %}{{ r(0) }}";
  EXPECT_NE(error_of(nested_macro).find("nests deeper"), std::string::npos);
  std::string deep_blocks;
  for (int i = 0; i < 1000; ++i) deep_blocks += "{% if true %}";
  EXPECT_NE(error_of(deep_blocks).find("nests deeper"), std::string::npos);
  // Data nested deeper than printing may follow: an error, not a stack overflow.
  EXPECT_NE(error_of("{% set ns = namespace(l=[]) %}{% for i in range(5000) %}"
                     "{% set ns.l = [ns.l] %}{% endfor %}{{ ns.l }}")
                .find("nests deeper"),
            std::string::npos);
  // A chain 100000 lists deep, built top-down, is freed without recursing.
  EXPECT_EQ(render("{% set ns = namespace(cur=[]) %}{% set root = ns.cur %}"
                   "{% for i in range(100000) %}{% set n = [] %}{% set _ = ns.cur.append(n) %}"
                   "{% set ns.cur = n %}{% endfor %}done"),
            "done");
  EXPECT_NE(error_of("{% set l = [] %}{% set _ = l.append(l) %}{{ l }}").find("itself"),
            std::string::npos);
}

// Values that refer back to their container: refused or kept acyclic (LeakSanitizer checks the
// rest in the sanitizer run).
TEST(TemplateLimits, NoReferenceCycles) {
  EXPECT_NE(
      error_of("{% set l = [] %}{% set f = l.append %}{% set _ = l.append(f) %}").find("itself"),
      std::string::npos);
  EXPECT_NE(error_of("{% set ns = namespace() %}{% set ns.me = ns %}").find("cycle"),
            std::string::npos);
  EXPECT_EQ(render("{% set ns = namespace() %}{% for x in [1, 2] %}{% set ns.l = loop %}"
                   "{% endfor %}{{ ns.l.index }}"),
            "2");
  // Here loop.previtem is ns itself in the second iteration.
  EXPECT_NE(error_of("{% set ns = namespace() %}{% for x in [ns, 2] %}{% set ns.l = loop %}"
                     "{% endfor %}")
                .find("cycle"),
            std::string::npos);
  // A macro outlives the loop iteration that defined it, and keeps seeing that iteration.
  EXPECT_EQ(render("{% set ns = namespace() %}{% for x in [1] %}{% macro m() %}in{{ x }}"
                   "{% endmacro %}{% set ns.m = m %}{% endfor %}{{ ns.m() }}"),
            "in1");
}

TEST(TemplateFallback, ChatMl) {
  EXPECT_EQ(hearth::tmpl::render_fallback_chat({{"system", "S"}, {"user", "hi"}}, true),
            "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n"
            "<|im_start|>assistant\n");
  EXPECT_EQ(hearth::tmpl::render_fallback_chat({{"user", "hi"}}, false),
            "<|im_start|>user\nhi<|im_end|>\n");
}

}  // namespace
