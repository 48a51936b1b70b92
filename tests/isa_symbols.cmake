# The per-ISA kernel objects (src/kernels/avx2, src/kernels/avxvnni, src/kernels/avx512,
# src/kernels/neon/*_dotprod.cpp and *_i8mm.cpp) must define no weak (COMDAT)
# symbols: an inline function or template instantiated there is compiled with AVX flags, and the
# linker may pick that copy for portable callers, which would then fault on older CPUs.
# Arguments: -DOBJECTS=<object files separated by |> -DNM=<nm>.
string(REPLACE "|" ";" OBJECTS "${OBJECTS}")
set(checked 0)
foreach(obj IN LISTS OBJECTS)
  # (AArch64: the neon-dotprod / neon-i8mm objects; plain NEON is the architecture's baseline.)
  if(NOT obj MATCHES "/kernels/((avx2|avxvnni|avx512)/|neon/[^/]*_(dotprod|i8mm)\\.)")
    continue()
  endif()
  execute_process(COMMAND ${NM} -C ${obj} OUTPUT_VARIABLE syms RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "nm failed on ${obj}")
  endif()
  # DW.ref.__gxx_personality_v0 is exempt: a weak *data* word holding the address of the C++
  # personality routine, the same in every object that needs unwinding (an ASan build gives the
  # matmul kernels' frames a cleanup, since their scratch allocation may throw); no ISA code.
  string(REGEX REPLACE "[^\n]* V DW\\.ref\\.__gxx_personality_v0" "" syms "${syms}")
  string(REGEX MATCHALL "[^\n]* [VWu] [^\n]*" weak "${syms}")
  if(weak)
    message(FATAL_ERROR "weak symbols compiled with ISA flags in ${obj}:\n${weak}")
  endif()
  math(EXPR checked "${checked} + 1")
endforeach()
if(checked EQUAL 0)
  message(FATAL_ERROR "no per-ISA kernel objects found")
endif()
message(STATUS "${checked} per-ISA kernel objects define no weak symbols")
