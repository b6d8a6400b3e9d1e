// Included ahead of every C++ file that links vmm_spdlog (base/CMakeLists.txt, -include):
// tells the compiler that fmt's formatting engine, detail::vformat_to<char>, is instantiated
// elsewhere (fmt_compiled.cc instantiates it explicitly, once).
//
// Why: fmt 9's format.h defines that template but declares it extern nowhere, so each file
// that logs instantiated it again, and with it every argument type's writer, Dragonbox and
// Dragon4 float formatting: ~1.2 MB of object code and ~80% of the compile time of a file
// like devices/serial_8250.cc under ASan+UBSan (22.4 -> 4.1 s of CPU, measured). Declaring
// the instantiation extern changes no behaviour: the same code is linked from vmm_spdlog.
#pragma once

#include <fmt/format.h>

FMT_BEGIN_NAMESPACE
namespace detail {
extern template void vformat_to(buffer<char>&, string_view,
                                basic_format_args<FMT_BUFFER_CONTEXT(char)>, locale_ref);
}  // namespace detail
FMT_END_NAMESPACE
