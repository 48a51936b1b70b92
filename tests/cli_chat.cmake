# `hearth chat` driven through a pipe (run by ctest as `cli_chat`): two turns, /save, /reset,
# /load, a failing /load that must not end the chat, /quit before the last line.
# Usage: cmake -DHEARTH=.../bin/hearth -DMODEL=...gguf -DWORK=dir -P cli_chat.cmake
if(NOT EXISTS "${MODEL}")  # models/ ships with the repository: a missing model is a failure
  message(FATAL_ERROR "model not found: ${MODEL}")
endif()
file(MAKE_DIRECTORY "${WORK}")
set(saved "${WORK}/cli_chat_session.bin")
file(REMOVE "${saved}")
file(WRITE "${WORK}/cli_chat_input.txt"
     "Once upon a time\n/save ${saved}\n/reset\n/load ${saved}\nAnd then?\n/load ${WORK}/missing.bin\n/quit\nnever read\n")
execute_process(COMMAND "${HEARTH}" chat -m "${MODEL}" -t 1 -n 6 --system "Tell stories."
                INPUT_FILE "${WORK}/cli_chat_input.txt" OUTPUT_VARIABLE out ERROR_VARIABLE err
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "hearth chat exited with ${rc}\n${err}")
endif()
string(REGEX MATCHALL "\n" lines "${out}")
list(LENGTH lines n_lines)
if(NOT n_lines EQUAL 2)
  message(FATAL_ERROR "expected 2 replies on stdout, got ${n_lines} lines:\n${out}\n${err}")
endif()
foreach(want "saved ${saved}: 3 messages" "conversation reset" "loaded ${saved}: 3 messages"
        "error: cannot open session file")
  string(FIND "${err}" "${want}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "'${want}' missing from stderr:\n${err}")
  endif()
endforeach()
# The second turn continues the loaded conversation: it reuses what the first turn cached.
string(REGEX MATCHALL "\\(([0-9]+) reused\\)" reused "${err}")
list(LENGTH reused n_turns)
if(NOT n_turns EQUAL 2)
  message(FATAL_ERROR "expected statistics of 2 turns on stderr:\n${err}")
endif()
list(GET reused 1 second)
string(REGEX REPLACE "[^0-9]" "" second "${second}")
if(NOT second GREATER 40)
  message(FATAL_ERROR "the second turn reused only ${second} tokens:\n${err}")
endif()
file(REMOVE "${saved}")
