/* The few libtracefs calls SpteTracer makes, behind plain C declarations: Debian 12's
 * <tracefs.h> (1.6) does not compile as C++ (its inline histogram helpers pass an int as an
 * enum), so only tracefs_shim.c includes it. */
#ifndef VMM_KVM_TRACEFS_SHIM_H
#define VMM_KVM_TRACEFS_SHIM_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct tracefs_instance;
struct tracefs_cpu;
struct tep_handle;

/* The tracefs mount point, or NULL when tracefs is not mounted. */
const char *vmm_tracefs_dir(void);
/* Removes instances named "<prefix><pid>" whose process no longer exists. */
void vmm_tracefs_remove_stale_instances(const char *prefix);
struct tracefs_instance *vmm_tracefs_instance_create(const char *name);
/* Buffer size per CPU (KiB), trace clock, and one event's filter; 0 or -1 (errno set). */
int vmm_tracefs_configure(struct tracefs_instance *instance, size_t buffer_kb, const char *clock,
                          const char *system, const char *event, const char *filter);
int vmm_tracefs_enable(struct tracefs_instance *instance, const char *system, const char *event);
void vmm_tracefs_instance_remove(struct tracefs_instance *instance);
struct tracefs_cpu *vmm_tracefs_cpu_open(struct tracefs_instance *instance, int cpu);
int vmm_tracefs_cpu_read_size(struct tracefs_cpu *cpu);
/* One sub-buffer, without blocking; > 0 bytes read, else nothing there. */
int vmm_tracefs_cpu_read(struct tracefs_cpu *cpu, void *buffer);
void vmm_tracefs_cpu_close(struct tracefs_cpu *cpu);

#ifdef __cplusplus
}
#endif

#endif
