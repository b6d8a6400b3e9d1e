# cmake -DOBJDUMP=... -DELF=... -P check_instructions.cmake
#
# Fails if the tiny guest contains instructions PVM's emulated ring 0 cannot run: anything
# touching SSE/AVX/MMX registers or their state (KVM_EXIT_INTERNAL_ERROR), and int3/int n
# (same failure). A compiler upgrade or a stray flag must not turn into a mysterious boot
# failure.
if(NOT OBJDUMP OR NOT ELF)
  message(FATAL_ERROR "usage: cmake -DOBJDUMP=<objdump> -DELF=<tiny-guest.elf> -P ${CMAKE_CURRENT_LIST_FILE}")
endif()

execute_process(
  COMMAND ${OBJDUMP} -d --no-show-raw-insn ${ELF}
  OUTPUT_VARIABLE listing
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${OBJDUMP} -d ${ELF} failed (${rc})")
endif()

set(forbidden_regs "%[xyz]mm[0-9]|%mm[0-9]|%k[0-7][,)]|%st[(,]|%st$")
set(forbidden_insns "(int3|int|fxsave|fxrstor|xsave[a-z]*|xrstor[a-z]*|ldmxcsr|stmxcsr|movnti|emms)")

string(REPLACE "\n" ";" lines "${listing}")
set(bad "")
set(count 0)
foreach(line IN LISTS lines)
  # Instruction lines look like "  100234:\tmov    %rdi,%rax".
  if(NOT line MATCHES "^ *[0-9a-f]+:\t")
    continue()
  endif()
  math(EXPR count "${count} + 1")
  if(line MATCHES "${forbidden_regs}" OR line MATCHES "\t${forbidden_insns}( |$)")
    string(APPEND bad "  ${line}\n")
  endif()
endforeach()

if(count EQUAL 0)
  message(FATAL_ERROR "no instructions found in ${ELF}: is it the tiny guest?")
endif()
if(bad)
  message(FATAL_ERROR "tiny guest uses instructions PVM's emulated ring 0 cannot run:\n${bad}")
endif()
message(STATUS "tiny guest: ${count} instructions, no SSE/AVX/MMX/x87 or int3/int n")
