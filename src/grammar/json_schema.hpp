// JSON Schema -> GBNF: a grammar whose strings are exactly the JSON texts (in one fixed
// layout: no insignificant whitespace beyond single spaces where llama.cpp puts them) that
// validate against the schema, for the supported subset:
//   type (object, array, string, number, integer, boolean, null, and lists of them), properties,
//   required, additionalProperties (bool or schema), enum, const, items, prefixItems,
//   minItems/maxItems, minLength/maxLength, pattern (a regular subset: ^...$ anchored, literals,
//   ., classes, groups, |, * + ? {m,n}, \d \w \s escapes), format (date, time, date-time, uuid),
//   minimum/maximum/exclusiveMinimum/exclusiveMaximum for integers, anyOf/oneOf/allOf (allOf of
//   objects merges their properties), $ref to #/$defs/... or #/definitions/..., and the
//   annotations (title, description, $schema, $id, examples, default, $comment) that constrain
//   nothing. Any other keyword is an error naming it, never silently ignored.
// `{}` and `true` accept any JSON value; json_object_grammar() is any JSON object.
#pragma once

#include <string>
#include <string_view>

namespace hearth::grammar {

// Throws Error(kInvalidArgument) for invalid JSON, an unsupported keyword ("json schema:
// unsupported keyword 'not' at #/properties/a"), an unresolvable $ref or a contradictory
// bound.
std::string json_schema_to_gbnf(std::string_view schema_json);

// Any JSON object (OpenAI's response_format {"type": "json_object"}).
std::string json_object_grammar();

}  // namespace hearth::grammar
