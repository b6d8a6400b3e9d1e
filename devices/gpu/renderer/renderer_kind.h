// RendererKind: which contexts a 3D renderer is asked to serve (--gpu-renderer). The
// renderer's own word, on its floor: the device's config names it, and the renderer reads it
// without knowing the device.
#pragma once

#include <string_view>

#include "base/enum_names.h"

namespace vmm {

enum class RendererKind { None, Virgl, Venus, All };

// all: virgl and venus contexts both.
inline constexpr EnumNames<RendererKind, 4> kRendererKindNames({{
    {RendererKind::None, "none"}, {RendererKind::Virgl, "virgl"}, {RendererKind::Venus, "venus"},
    {RendererKind::All, "all"},
}});

inline std::string_view to_string(RendererKind kind) { return kRendererKindNames.name(kind); }

}  // namespace vmm
