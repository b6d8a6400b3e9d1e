// --seccomp MODE: whether vmm's threads run confined to their system-call allow-lists once
// the machine is assembled (vmm/run/seccomp_allowlists.h says what each thread may call).
//   enforce  a call outside the list stops vmm: one line on stderr naming the thread and the
//            call, exit status 159 (the default)
//   log      the same lists, but a call outside them is only logged by the kernel (audit
//            type 1326 lines in `dmesg`, syscall=NR) and carried out: for finding what a
//            new code path needs
//   off      no filters at all; vmm says so in one warning line
#pragma once

#include <string_view>

#include "base/enum_names.h"

namespace vmm {

enum class SeccompMode { Enforce, Log, Off };

inline constexpr EnumNames<SeccompMode, 3> kSeccompModeNames({{
    {SeccompMode::Enforce, "enforce"},
    {SeccompMode::Log, "log"},
    {SeccompMode::Off, "off"},
}});

inline std::string_view to_string(SeccompMode mode) { return kSeccompModeNames.name(mode); }

}  // namespace vmm
