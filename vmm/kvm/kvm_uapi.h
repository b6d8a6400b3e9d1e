// The one way vmm includes <linux/kvm.h>.
//
// Debian 12's linux-libc-dev (6.1.x) declares the variable-length tails of kvm_cpuid2,
// kvm_msrs and friends with __DECLARE_FLEX_ARRAY, whose wrapper holds an empty struct. In C
// that struct has size 0; in C++ it has size 1, which makes sizeof(kvm_cpuid2) 12 instead of
// 8 and so changes the ioctl numbers that encode it (KVM_SET_CPUID2 then fails with EINVAL).
// Newer kernels fix the header for C++; until then we define the macro the way they do,
// before the header can, and check the layouts below.
#pragma once

#include <linux/stddef.h>

#undef __DECLARE_FLEX_ARRAY
#define __DECLARE_FLEX_ARRAY(TYPE, NAME) TYPE NAME[0]

#include <linux/kvm.h>

static_assert(sizeof(kvm_cpuid2) == 8, "kvm_cpuid2 header must match the kernel ABI");
static_assert(sizeof(kvm_msrs) == 8, "kvm_msrs header must match the kernel ABI");
static_assert(sizeof(kvm_irq_routing) == 8, "kvm_irq_routing header must match the kernel ABI");
