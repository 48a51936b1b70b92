# ABI completeness and visibility discipline of libhearth.so (run by ctest as `abi_symbols`):
#  1. every function declared with HEARTH_API in capi/hearth.h is exported by the shared library;
#  2. the library exports no other function or object outside the hearth_ prefix (the C++ core,
#     fmt, Eigen, ... must stay hidden so that they cannot clash with a host application's).
# Usage: cmake -DHEADER=.../hearth.h -DLIBRARY=.../libhearth.so -DNM=nm -P abi_symbols.cmake

# Functions declared in hearth.h that are not implemented on main yet. Shrink this list as
# they land; the test also fails when a listed function IS exported (so the list stays honest).
set(EXPECTED_MISSING)

file(READ "${HEADER}" header)
# Strip comments so that prose mentioning a function does not count as a declaration.
string(REGEX REPLACE "/\\*[^*]*\\*+([^/*][^*]*\\*+)*/" "" header "${header}")
string(REGEX MATCHALL "HEARTH_API[^;(]*[ *]hearth_[a-z0-9_]+[ \t\r\n]*\\(" decls "${header}")
set(declared)
foreach(d IN LISTS decls)
  string(REGEX MATCH "hearth_[a-z0-9_]+[ \t\r\n]*\\($" name "${d}")
  string(REGEX REPLACE "[ \t\r\n]*\\($" "" name "${name}")
  list(APPEND declared ${name})
endforeach()
list(LENGTH declared n_declared)
if(n_declared LESS 40)
  message(FATAL_ERROR "only ${n_declared} HEARTH_API functions found in ${HEADER}: parser broken?")
endif()

execute_process(COMMAND "${NM}" -D --defined-only "${LIBRARY}" OUTPUT_VARIABLE nm_out
                RESULT_VARIABLE nm_rc)
if(NOT nm_rc EQUAL 0)
  message(FATAL_ERROR "${NM} -D ${LIBRARY} failed (${nm_rc})")
endif()
string(REPLACE "\n" ";" nm_lines "${nm_out}")
set(exported)
set(foreign)
foreach(line IN LISTS nm_lines)
  if(NOT line MATCHES "^[0-9a-fA-F]* *([A-Za-z]) ([^ @]+)")
    continue()
  endif()
  set(kind "${CMAKE_MATCH_1}")
  set(sym "${CMAKE_MATCH_2}")
  if(sym MATCHES "^hearth_")
    list(APPEND exported ${sym})
  elseif(kind STREQUAL "A" OR sym MATCHES "^(_init|_fini|_edata|_end|__bss_start)$")
    # Linker-defined section markers and version nodes: present in every shared library.
  else()
    list(APPEND foreign "${kind} ${sym}")
  endif()
endforeach()

set(errors "")
foreach(name IN LISTS declared)
  list(FIND exported ${name} found)
  list(FIND EXPECTED_MISSING ${name} expected)
  if(found EQUAL -1 AND expected EQUAL -1)
    string(APPEND errors "  declared in hearth.h but not exported: ${name}\n")
  elseif(NOT found EQUAL -1 AND NOT expected EQUAL -1)
    string(APPEND errors "  ${name} is exported now: remove it from EXPECTED_MISSING\n")
  endif()
endforeach()
foreach(name IN LISTS exported)
  list(FIND declared ${name} found)
  if(found EQUAL -1)
    string(APPEND errors "  exported but not declared in hearth.h: ${name}\n")
  endif()
endforeach()
foreach(f IN LISTS foreign)
  string(APPEND errors "  exported symbol outside the hearth_ prefix (visibility leak): ${f}\n")
endforeach()

list(LENGTH EXPECTED_MISSING n_missing)
if(errors)
  message(FATAL_ERROR "ABI check of ${LIBRARY} failed:\n${errors}")
endif()
message(STATUS "ABI ok: ${n_declared} functions declared, all exported except ${n_missing} expected-missing: ${EXPECTED_MISSING}")
