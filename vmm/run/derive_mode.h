// --derive-memtype MODE: when vmm derives the memory type the guest really gets for its
// device memory (vmm/run/memtype_deriver.h says how):
//   first-touch  device slots (GPU blobs) reach KVM only at the guest's first access, which
//                exits to vmm on the vCPU that made it: the accessing process's page tables
//                are walked there; and every vCPU's at the stop (the default; one extra exit
//                per mapped blob)
//   stop         slots are installed at once; only the walks at the stop
//   off          no derivation, KVM's tracepoint untouched
#pragma once

#include <string_view>

#include "base/enum_names.h"

namespace vmm {

enum class DeriveMode { FirstTouch, Stop, Off };

inline constexpr EnumNames<DeriveMode, 3> kDeriveModeNames({{
    {DeriveMode::FirstTouch, "first-touch"},
    {DeriveMode::Stop, "stop"},
    {DeriveMode::Off, "off"},
}});

inline std::string_view to_string(DeriveMode mode) { return kDeriveModeNames.name(mode); }

}  // namespace vmm
