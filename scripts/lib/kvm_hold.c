// kvm-hold: runs inside the emulated KVM host (scripts/kvm-host) for its whole life and
// keeps two empty KVM VMs open. Why: the first VM created and the last one destroyed flip
// kernel static keys (the scheduler's preempt-notifier key among them); the kernel patches
// those jump sites with int3 while other CPUs run, and under multi-threaded TCG the
// emulated host was seen to wedge there (both CPUs looping at a jump-label site in the
// scheduler, 3 times in ~40 runs with 2 CPUs). With VMs always open, vmm's many VM
// creations and destructions never take the count through zero, so the keys never flip.
// Written for this project; it only uses the KVM UAPI.
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(void) {
  int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (kvm < 0) {
    fprintf(stderr, "kvm-hold: cannot open /dev/kvm: %s\n", strerror(errno));
    return 1;
  }
  for (int i = 0; i < 2; ++i) {
    if (ioctl(kvm, KVM_CREATE_VM, 0) < 0) {
      fprintf(stderr, "kvm-hold: KVM_CREATE_VM: %s\n", strerror(errno));
      return 1;
    }
  }
  printf("kvm-hold: holding 2 VMs\n");
  fflush(stdout);
  for (;;) pause();
}
