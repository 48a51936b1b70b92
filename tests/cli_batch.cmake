# `hearth batch` (run by ctest as `cli_batch`) on the model shipped in models/: one result line per
# request line in input order (a short request finishes first but is written in its place), a bad
# line gives an error line while the others still run, and a greedy request's text and tokens
# equal `hearth run --temp 0`'s for the same prompt.
# Usage: cmake -DHEARTH=.../bin/hearth -DMODEL=...gguf -DWORK=dir -P cli_batch.cmake
if(NOT EXISTS "${MODEL}")  # models/ ships with the repository: a missing model is a failure
  message(FATAL_ERROR "model not found: ${MODEL}")
endif()
file(MAKE_DIRECTORY "${WORK}")
set(prompt "Once upon a time")
file(WRITE "${WORK}/requests.jsonl"
     "{\"id\": \"long\", \"prompt\": \"${prompt}\"}\n"
     "{\"id\": 7, \"prompt\": \"Lily went\", \"max_tokens\": 3}\n"
     "this line is not JSON\n"
     "{\"id\": \"chat\", \"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"max_tokens\": 4}\n"
     "{\"id\": \"neither\"}\n"
     "{\"id\": \"last\", \"prompt\": \"The dog\", \"stop\": [\".\"], \"temperature\": 0.5, \"seed\": 3}\n")
execute_process(COMMAND "${HEARTH}" batch -m "${MODEL}" -t 1 -n 24 --parallel 3
                INPUT_FILE "${WORK}/requests.jsonl" OUTPUT_VARIABLE out ERROR_VARIABLE err
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "hearth batch exited with ${rc}\n${err}")
endif()
string(REGEX REPLACE "\n$" "" out "${out}")
string(REPLACE ";" "\\;" out "${out}")
string(REPLACE "\n" ";" lines "${out}")
list(LENGTH lines n)
if(NOT n EQUAL 6)
  message(FATAL_ERROR "expected 6 result lines, got ${n}:\n${out}\n${err}")
endif()

function(field line out)  # field(line out key...) -> the JSON value at the key path, or NOTFOUND
  string(JSON v ERROR_VARIABLE e GET "${line}" ${ARGN})
  if(e)
    set(v NOTFOUND)
  endif()
  set(${out} "${v}" PARENT_SCOPE)
endfunction()

# Input order, whatever order the requests finished in.
set(want_ids "long;7;null;chat;neither;last")
foreach(i RANGE 5)
  list(GET lines ${i} line)
  list(GET want_ids ${i} want)
  string(JSON id_type TYPE "${line}" id)
  if(id_type STREQUAL "NULL")
    set(id null)
  else()
    string(JSON id GET "${line}" id)
  endif()
  if(NOT id STREQUAL want)
    message(FATAL_ERROR "line ${i}: id '${id}', expected '${want}':\n${out}")
  endif()
endforeach()

# Bad lines: an error and no text; good lines: no error.
foreach(i 2 4)
  list(GET lines ${i} line)
  field("${line}" e error)
  field("${line}" t text)
  if(NOT e OR NOT t STREQUAL "NOTFOUND")
    message(FATAL_ERROR "line ${i} should be an error line:\n${line}")
  endif()
endforeach()
foreach(i 0 1 3 5)
  list(GET lines ${i} line)
  field("${line}" e error)
  field("${line}" reason finish_reason)
  if(NOT e STREQUAL "NOTFOUND" OR NOT reason MATCHES "^(stop|length)$")
    message(FATAL_ERROR "line ${i} should be a result:\n${line}")
  endif()
endforeach()

# max_tokens per line, and usage.
list(GET lines 1 short)
field("${short}" n usage completion_tokens)
field("${short}" reason finish_reason)
string(JSON n_tok LENGTH "${short}" tokens)
if(NOT n EQUAL 3 OR NOT reason STREQUAL "length" OR NOT n_tok EQUAL 3)
  message(FATAL_ERROR "max_tokens 3 not honoured:\n${short}")
endif()

# Greedy: the same text and tokens as `hearth run --temp 0`.
execute_process(COMMAND "${HEARTH}" run -m "${MODEL}" -t 1 -n 24 --temp 0 -p "${prompt}"
                OUTPUT_VARIABLE run_out ERROR_VARIABLE run_err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "hearth run exited with ${rc}\n${run_err}")
endif()
string(REGEX REPLACE "\n$" "" run_out "${run_out}")
string(REGEX MATCH "generated ids: ([0-9,]*)" m "${run_err}")
set(run_ids "${CMAKE_MATCH_1}")
list(GET lines 0 long)
field("${long}" text text)
string(JSON n_tok LENGTH "${long}" tokens)
set(ids "")
math(EXPR last "${n_tok} - 1")
foreach(k RANGE ${last})
  string(JSON t GET "${long}" tokens ${k})
  list(APPEND ids ${t})
endforeach()
string(REPLACE ";" "," ids "${ids}")
if(NOT text STREQUAL run_out OR NOT ids STREQUAL run_ids)
  message(FATAL_ERROR "batch and run differ:\nbatch: '${text}' [${ids}]\nrun:   '${run_out}' [${run_ids}]")
endif()
field("${long}" p usage prompt_tokens)
if(NOT p EQUAL 6)
  message(FATAL_ERROR "expected 6 prompt tokens (BOS + 5):\n${long}")
endif()
