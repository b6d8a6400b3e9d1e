# vmm_gtest_discover_tests(target [gtest_discover_tests arguments...])
#
# gtest_discover_tests, plus the one promise every GoogleTest program of vmm relies on: a
# test that calls GTEST_SKIP is a *skip* in ctest's summary ("***Skipped", counted under
# "tests skipped"), never a pass. GoogleTest exits 0 for a skipped test and prints
# "[  SKIPPED ] Suite.Name"; ctest calls a test skipped when its output matches
# SKIP_REGULAR_EXPRESSION. CMake 3.25's GoogleTestAddTests happens to add the same property,
# but its documentation does not promise it, so it is said here, once, for every test. The
# reason (gtest's "file:line: Skipped" and the message after it) stays in LastTest.log, where
# scripts/test prints it under "Skip reasons".
#
# gtest_discover_tests registers one ctest test per GoogleTest test, so one skipped test
# never turns its program's other tests into skips. A test that fails and then skips is
# FAILED for GoogleTest and prints no "[  SKIPPED ]" line, so a failure cannot become a skip.
#
# Every GoogleTest program registered with ctest goes through here (tests/unit/*, tests/dtb,
# tests/integration, tests/kvm's vmm_kvm_gtest, bench/driver).
include(GoogleTest)

function(vmm_gtest_discover_tests target)
  # Ours first: a caller's list-valued property (LABELS "a;b" arrives as two words) would
  # otherwise pair its last word with our property's name and drop our value. The caller's
  # own PROPERTIES keyword then appends to this one (cmake_parse_arguments keeps collecting a
  # repeated multi-value keyword). "\\[" reaches ctest as "\[".
  gtest_discover_tests(${target}
    PROPERTIES SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]"
    ${ARGN})
endfunction()
