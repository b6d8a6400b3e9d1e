# Where tests that need KVM run. Every such test is launched through
# `scripts/kvm-host auto`: natively where /dev/kvm works (hardware VMX/SVM, or PVM), else
# inside the emulated KVM host (QEMU TCG with AMD SVM, Debian's kernel with kvm_amd) that
# the `kvm_host` fixture boots once for the whole ctest run and powers off at the end.
# Only where neither is possible do they skip, printing why (exit 77).
#
#   vmm_kvm_test(NAME name COMMAND cmd... [HARDWARE] [LABELS more...] [FIXTURES more...] [TIMEOUT s]
#                [COST s])
#     HARDWARE: the test boots a guest kernel, which PVM runs far too slowly (ring 0 is
#     emulated there): on a PVM machine it runs in the emulated host instead.
#   vmm_kvm_gtest(target)    a GoogleTest program all of whose tests need KVM
# Every such test has the label `kvm` (`ctest -L kvm`: everything that needs KVM), and holds
# the lock `kvm_host` while it runs: under `ctest -j` they take turns in the emulated host
# (one CPU: running two at once would only share it, and guests that time themselves would
# see half a CPU), while the tests that need no KVM run beside them.
#
# VMM_KVM_HOSTS (default 1): with more, the fixture starts that many emulated hosts and the
# KVM tests hold one of them each instead of the lock: ctest's resource allocation
# (RESOURCE_GROUPS kvm_host:1 against the resource spec kvm-hosts.json written here, which
# scripts/test passes to ctest) tells each test its host, and scripts/kvm-host reads it from
# CTEST_RESOURCE_GROUP_*. CI asks for 2 where the KVM tests will run emulated: once the
# build is done, a second core is free for most of the test phase (docs/testing.md). Not for
# a machine whose /dev/kvm works: there the tests run natively and would overlap.
set(VMM_KVM_HOSTS 1 CACHE STRING "Emulated KVM hosts the KVM tests share (ctest resource allocation when > 1)")
if(NOT VMM_KVM_HOSTS MATCHES "^[1-9]$")
  message(FATAL_ERROR "VMM_KVM_HOSTS=${VMM_KVM_HOSTS}: want 1 to 9")
endif()
set(VMM_KVM_HOST_SPEC ${CMAKE_BINARY_DIR}/kvm-hosts.json)
if(VMM_KVM_HOSTS GREATER 1)
  set(VMM_KVM_TEST_RESOURCE RESOURCE_GROUPS kvm_host:1)
  set(hosts "")
  math(EXPR last "${VMM_KVM_HOSTS} - 1")
  foreach(n RANGE ${last})
    list(APPEND hosts "{\"id\": \"h${n}\", \"slots\": 1}")
  endforeach()
  list(JOIN hosts ", " hosts)
  file(WRITE ${VMM_KVM_HOST_SPEC}
       "{\"version\": {\"major\": 1, \"minor\": 0}, \"local\": [{\"kvm_host\": [${hosts}]}]}\n")
else()
  set(VMM_KVM_TEST_RESOURCE RESOURCE_LOCK kvm_host)
  file(REMOVE ${VMM_KVM_HOST_SPEC})
endif()
set(VMM_KVM_HOST ${CMAKE_SOURCE_DIR}/scripts/kvm-host)
set(VMM_KVM_LAUNCH ${VMM_KVM_HOST} auto --build ${CMAKE_BINARY_DIR} --)

# Booting the tiny guest takes well under a second natively and 1-4 s emulated; the
# timeout is for the emulated host on a loaded machine.
set(VMM_KVM_TEST_TIMEOUT 300)

function(vmm_kvm_test)
  cmake_parse_arguments(arg "HARDWARE" "NAME;TIMEOUT;COST" "COMMAND;LABELS;FIXTURES" ${ARGN})
  if(NOT arg_TIMEOUT)
    set(arg_TIMEOUT ${VMM_KVM_TEST_TIMEOUT})
  endif()
  set(launch ${VMM_KVM_LAUNCH})
  if(arg_HARDWARE)
    set(launch ${VMM_KVM_HOST} auto --hardware --build ${CMAKE_BINARY_DIR} --)
  endif()
  add_test(NAME ${arg_NAME} COMMAND ${launch} ${arg_COMMAND})
  set_tests_properties(${arg_NAME} PROPERTIES
    FIXTURES_REQUIRED "kvm_host;${arg_FIXTURES}"
    LABELS "kvm;${arg_LABELS}"
    SKIP_RETURN_CODE 77
    ${VMM_KVM_TEST_RESOURCE}
    TIMEOUT ${arg_TIMEOUT})
  # COST: about how many seconds the test takes in CI's emulated host. ctest starts the
  # costliest first when it has no timings of its own (a fresh clone, as in CI), so the
  # long Linux boots do not end the run alone on one host while the other idles.
  if(arg_COST)
    set_tests_properties(${arg_NAME} PROPERTIES COST ${arg_COST})
  endif()
endfunction()

function(vmm_kvm_gtest target)
  # gtest_discover_tests runs the program through this launcher both to list its tests
  # (which needs no KVM: the launcher runs that natively) and to run each one.
  set_target_properties(${target} PROPERTIES CROSSCOMPILING_EMULATOR
    "bash;${CMAKE_SOURCE_DIR}/tests/kvm/gtest_launcher.sh;${CMAKE_BINARY_DIR}")
  # One value per property: gtest_discover_tests cannot pass a list through.
  # A GTEST_SKIP is a skip through vmm_gtest_discover_tests (cmake/VmmGtest.cmake).
  vmm_gtest_discover_tests(${target}
    PROPERTIES
      FIXTURES_REQUIRED kvm_host
      LABELS kvm
      ${VMM_KVM_TEST_RESOURCE}
      SKIP_RETURN_CODE 77
      TIMEOUT ${VMM_KVM_TEST_TIMEOUT})
endfunction()

# The fixture. Starting may first fetch QEMU's package and Debian's kernel package and
# build the image (cached under build/kvm-host); it skips (125) only when those cannot be
# had, and fails when the emulated host does not come up.
add_test(NAME kvm_host_start COMMAND ${VMM_KVM_HOST} start --build ${CMAKE_BINARY_DIR} --hosts ${VMM_KVM_HOSTS})
set_tests_properties(kvm_host_start PROPERTIES
  FIXTURES_SETUP kvm_host LABELS kvm SKIP_RETURN_CODE 125 TIMEOUT 900)
add_test(NAME kvm_host_stop COMMAND ${VMM_KVM_HOST} stop --build ${CMAKE_BINARY_DIR} --hosts ${VMM_KVM_HOSTS})
set_tests_properties(kvm_host_stop PROPERTIES
  FIXTURES_CLEANUP kvm_host LABELS kvm TIMEOUT 120)

# After every KVM test: nothing has left a regular file (or anything else that is not
# the KVM character device) at this machine's /dev/kvm.
add_test(NAME host_dev_kvm_untouched COMMAND bash ${CMAKE_SOURCE_DIR}/tests/kvm/check_dev_kvm.sh)
set_tests_properties(host_dev_kvm_untouched PROPERTIES
  FIXTURES_CLEANUP kvm_host LABELS kvm TIMEOUT 10)

# scripts/kvm-host's own promises: what it cannot have is one line and exit 125; a frozen
# emulated machine is reported as a hang (75), not as the command's failure, and killed.
foreach(case unavailable hang)
  add_test(NAME kvm_host_${case}
    COMMAND bash ${CMAKE_SOURCE_DIR}/tests/kvm/kvm_host_test.sh ${VMM_KVM_HOST} ${CMAKE_BINARY_DIR} ${case})
  # Each boots an emulated host of its own beside the fixture's, so it holds the fixture's
  # lock: no KVM test runs meanwhile and the fixture's host sits idle, while the tests
  # that need no KVM go on beside it (RUN_SERIAL, before, stopped them too: 26 s of CI's
  # critical path with a core idle).
  set_tests_properties(kvm_host_${case} PROPERTIES LABELS kvm SKIP_RETURN_CODE 77 TIMEOUT 300
                       ${VMM_KVM_TEST_RESOURCE})
endforeach()
