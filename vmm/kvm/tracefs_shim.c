#include "vmm/kvm/tracefs_shim.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <tracefs.h>
#include <unistd.h>

const char *vmm_tracefs_dir(void) { return tracefs_tracing_dir(); }

static int remove_if_stale(const char *name, void *context) {
  const char *prefix = context;
  const size_t length = strlen(prefix);
  if (strncmp(name, prefix, length) != 0) return 0;
  const long pid = atol(name + length);
  /* Only a process that is certainly gone: kill(pid, 0) answers ESRCH. */
  if (pid <= 0 || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH) return 0;
  struct tracefs_instance *stale = tracefs_instance_alloc(NULL, name);
  if (stale) {
    tracefs_instance_destroy(stale);
    tracefs_instance_free(stale);
  }
  return 0;
}

void vmm_tracefs_remove_stale_instances(const char *prefix) {
  tracefs_instances_walk(remove_if_stale, (void *)prefix);
}

struct tracefs_instance *vmm_tracefs_instance_create(const char *name) {
  return tracefs_instance_create(name);
}

int vmm_tracefs_configure(struct tracefs_instance *instance, size_t buffer_kb, const char *clock,
                          const char *system, const char *event, const char *filter) {
  if (tracefs_instance_set_buffer_size(instance, buffer_kb, -1) < 0) return -1;
  if (tracefs_instance_file_write(instance, "trace_clock", clock) < 0) return -1;
  if (tracefs_event_file_write(instance, system, event, "filter", filter) < 0) return -1;
  return 0;
}

int vmm_tracefs_enable(struct tracefs_instance *instance, const char *system, const char *event) {
  return tracefs_event_enable(instance, system, event);
}

void vmm_tracefs_instance_remove(struct tracefs_instance *instance) {
  tracefs_instance_destroy(instance);
  tracefs_instance_free(instance);
}

struct tracefs_cpu *vmm_tracefs_cpu_open(struct tracefs_instance *instance, int cpu) {
  return tracefs_cpu_open(instance, cpu, true);
}

int vmm_tracefs_cpu_read_size(struct tracefs_cpu *cpu) { return tracefs_cpu_read_size(cpu); }

int vmm_tracefs_cpu_read(struct tracefs_cpu *cpu, void *buffer) { return tracefs_cpu_read(cpu, buffer, true); }

void vmm_tracefs_cpu_close(struct tracefs_cpu *cpu) { tracefs_cpu_close(cpu); }
