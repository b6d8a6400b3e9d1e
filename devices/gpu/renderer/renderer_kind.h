// RendererKind: which contexts a 3D renderer is asked to serve (--gpu-renderer). The
// renderer's own word, on its floor: the device's config names it, and the renderer reads it
// without knowing the device.
#pragma once

#include <string_view>

#include "base/enum_names.h"

namespace vmm {

enum class RendererKind { None, Virgl, Venus, All, Drm };

// all: virgl and venus contexts both. drm: DRM native contexts (virglrenderer 1.3.0's
// amdgpu, i915, msm), offered only where the host has such a render node
// (devices/gpu/process/drm_native_context.h), refused with one line otherwise.
inline constexpr EnumNames<RendererKind, 5> kRendererKindNames({{
    {RendererKind::None, "none"}, {RendererKind::Virgl, "virgl"}, {RendererKind::Venus, "venus"},
    {RendererKind::All, "all"}, {RendererKind::Drm, "drm"},
}});

inline std::string_view to_string(RendererKind kind) { return kRendererKindNames.name(kind); }

}  // namespace vmm
