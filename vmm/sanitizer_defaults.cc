// Linked into vmm only when built with VMM_SANITIZE: how the sanitizers behave when no
// ASAN_OPTIONS/UBSAN_OPTIONS say otherwise. A report aborts (SIGABRT, never exit status 1,
// which vmm uses for a refused set-up), with a stack, on the first error. Leaks are not
// checked in vmm: LeakSanitizer stops the world with clone and ptrace at exit, which the
// main thread's seccomp allow-list rightly refuses (the test programs do check leaks). The
// environment still overrides each of these.
extern "C" {

const char* __asan_default_options() {
  return "abort_on_error=1:halt_on_error=1:detect_leaks=0:print_summary=1";
}

const char* __ubsan_default_options() {
  return "abort_on_error=1:halt_on_error=1:print_stacktrace=1";
}

}  // extern "C"
