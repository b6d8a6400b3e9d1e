// Vulkan buffer round trip through Mesa's Venus driver, run inside vmm's Venus test guest
// (scripts/build-venus-guest). It creates a Vulkan 1.1 instance, picks the physical device
// whose name contains "Virtio-GPU Venus" (Mesa's virtio ICD, libvulkan_virtio.so, talking to
// vmm's venus renderer), prints its name, driver and memory types, allocates HOST_VISIBLE |
// HOST_COHERENT memory for two buffers, writes a pattern through the source mapping, copies
// it with vkCmdCopyBuffer, waits on a fence and compares the destination mapping. Output:
//   VK-ROUNDTRIP PAT: [mem 0x<start>-0x<end>] <cache mode>   the guest's mapping of each blob,
//                                                            before the copy and after it
//   VK-ROUNDTRIP OK bytes=N fnv1a=0x... src_fnv1a=0x...      or
//   VK-ROUNDTRIP FAIL <why>
// Exit status 0 only for OK.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vulkan/vulkan.h>

#include "guest_pat.h"

#define BYTES (2u * 1024u * 1024u)

static int fail(const char *why, VkResult r) {
  printf("VK-ROUNDTRIP FAIL %s (VkResult %d)\n", why, (int)r);
  fflush(stdout);
  return 1;
}

static uint32_t fnv1a(const uint8_t *p, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
  return h;
}

static void print_flags(VkMemoryPropertyFlags f) {
  if (f & VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT) printf(" DEVICE_LOCAL");
  if (f & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) printf(" HOST_VISIBLE");
  if (f & VK_MEMORY_PROPERTY_HOST_COHERENT_BIT) printf(" HOST_COHERENT");
  if (f & VK_MEMORY_PROPERTY_HOST_CACHED_BIT) printf(" HOST_CACHED");
  if (f & VK_MEMORY_PROPERTY_LAZILY_ALLOCATED_BIT) printf(" LAZILY_ALLOCATED");
  if (f & VK_MEMORY_PROPERTY_PROTECTED_BIT) printf(" PROTECTED");
}

int main(void) {
  VkResult r;
  VkApplicationInfo app = {.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
                           .pApplicationName = "vk_blob_roundtrip",
                           .apiVersion = VK_API_VERSION_1_1};
  VkInstanceCreateInfo ici = {.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
                              .pApplicationInfo = &app};
  VkInstance inst;
  if ((r = vkCreateInstance(&ici, NULL, &inst)) != VK_SUCCESS)
    return fail("vkCreateInstance", r);

  uint32_t ndev = 0;
  if ((r = vkEnumeratePhysicalDevices(inst, &ndev, NULL)) != VK_SUCCESS)
    return fail("vkEnumeratePhysicalDevices", r);
  printf("VK-ROUNDTRIP physical devices: %u\n", ndev);
  if (ndev == 0) return fail("no physical device (Venus ICD found no usable virtio-gpu)", r);
  VkPhysicalDevice *devs = calloc(ndev, sizeof(*devs));
  vkEnumeratePhysicalDevices(inst, &ndev, devs);
  VkPhysicalDevice pd = VK_NULL_HANDLE;
  for (uint32_t i = 0; i < ndev; i++) {
    VkPhysicalDeviceDriverProperties drv = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES};
    VkPhysicalDeviceProperties2 p2 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
                                      .pNext = &drv};
    vkGetPhysicalDeviceProperties2(devs[i], &p2);
    uint32_t v = p2.properties.apiVersion;
    printf("VK-ROUNDTRIP DEVICE %u: %s (driver %s: %s; api %u.%u.%u, type %d)\n", i,
           p2.properties.deviceName, drv.driverName, drv.driverInfo, VK_VERSION_MAJOR(v),
           VK_VERSION_MINOR(v), VK_VERSION_PATCH(v), (int)p2.properties.deviceType);
    if (pd == VK_NULL_HANDLE && strstr(p2.properties.deviceName, "Virtio-GPU Venus"))
      pd = devs[i];
  }
  free(devs);
  if (pd == VK_NULL_HANDLE) return fail("no \"Virtio-GPU Venus\" device", VK_SUCCESS);

  VkPhysicalDeviceMemoryProperties mp;
  vkGetPhysicalDeviceMemoryProperties(pd, &mp);
  for (uint32_t i = 0; i < mp.memoryTypeCount; i++) {
    printf("VK-ROUNDTRIP MEMTYPE %u heap %u:", i, mp.memoryTypes[i].heapIndex);
    print_flags(mp.memoryTypes[i].propertyFlags);
    printf("\n");
  }
  for (uint32_t i = 0; i < mp.memoryHeapCount; i++)
    printf("VK-ROUNDTRIP HEAP %u size=%llu flags=0x%x\n", i,
           (unsigned long long)mp.memoryHeaps[i].size, mp.memoryHeaps[i].flags);

  uint32_t nq = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(pd, &nq, NULL);
  VkQueueFamilyProperties *qf = calloc(nq ? nq : 1, sizeof(*qf));
  vkGetPhysicalDeviceQueueFamilyProperties(pd, &nq, qf);
  uint32_t qfi = UINT32_MAX;
  for (uint32_t i = 0; i < nq; i++)
    if (qf[i].queueFlags & (VK_QUEUE_TRANSFER_BIT | VK_QUEUE_GRAPHICS_BIT | VK_QUEUE_COMPUTE_BIT)) {
      qfi = i;
      break;
    }
  free(qf);
  if (qfi == UINT32_MAX) return fail("no queue family with transfer", VK_SUCCESS);

  float prio = 1.0f;
  VkDeviceQueueCreateInfo dqci = {.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
                                  .queueFamilyIndex = qfi,
                                  .queueCount = 1,
                                  .pQueuePriorities = &prio};
  VkDeviceCreateInfo dci = {.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
                            .queueCreateInfoCount = 1,
                            .pQueueCreateInfos = &dqci};
  VkDevice dev;
  if ((r = vkCreateDevice(pd, &dci, NULL, &dev)) != VK_SUCCESS) return fail("vkCreateDevice", r);
  VkQueue q;
  vkGetDeviceQueue(dev, qfi, 0, &q);

  VkBuffer buf[2];
  VkDeviceMemory mem[2];
  void *map[2];
  VkMemoryPropertyFlags want = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                               VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  for (int b = 0; b < 2; b++) {
    VkBufferCreateInfo bci = {.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
                              .size = BYTES,
                              .usage = b == 0 ? VK_BUFFER_USAGE_TRANSFER_SRC_BIT
                                              : VK_BUFFER_USAGE_TRANSFER_DST_BIT,
                              .sharingMode = VK_SHARING_MODE_EXCLUSIVE};
    if ((r = vkCreateBuffer(dev, &bci, NULL, &buf[b])) != VK_SUCCESS)
      return fail("vkCreateBuffer", r);
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(dev, buf[b], &req);
    uint32_t type = UINT32_MAX;
    for (uint32_t i = 0; i < mp.memoryTypeCount; i++)
      if ((req.memoryTypeBits & (1u << i)) && (mp.memoryTypes[i].propertyFlags & want) == want) {
        type = i;
        break;
      }
    if (type == UINT32_MAX) return fail("no HOST_VISIBLE|HOST_COHERENT memory type", VK_SUCCESS);
    VkMemoryAllocateInfo mai = {.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
                                .allocationSize = req.size,
                                .memoryTypeIndex = type};
    if ((r = vkAllocateMemory(dev, &mai, NULL, &mem[b])) != VK_SUCCESS)
      return fail("vkAllocateMemory", r);
    if ((r = vkBindBufferMemory(dev, buf[b], mem[b], 0)) != VK_SUCCESS)
      return fail("vkBindBufferMemory", r);
    if ((r = vkMapMemory(dev, mem[b], 0, VK_WHOLE_SIZE, 0, &map[b])) != VK_SUCCESS)
      return fail("vkMapMemory", r);
    printf("VK-ROUNDTRIP BUFFER %s size=%llu memtype=%u mapped at %p\n", b ? "dst" : "src",
           (unsigned long long)req.size, type, map[b]);
  }

  // While both buffers are mapped: how the guest kernel mapped the blobs behind them.
  print_blob_pat("VK-ROUNDTRIP ");
  uint8_t *src = map[0], *dst = map[1];
  for (uint32_t i = 0; i < BYTES; i++) src[i] = (uint8_t)((i * 2654435761u) >> 13);
  memset(dst, 0, BYTES);
  uint32_t src_fnv = fnv1a(src, BYTES);

  VkCommandPoolCreateInfo pci = {.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
                                 .queueFamilyIndex = qfi};
  VkCommandPool pool;
  if ((r = vkCreateCommandPool(dev, &pci, NULL, &pool)) != VK_SUCCESS)
    return fail("vkCreateCommandPool", r);
  VkCommandBufferAllocateInfo cbai = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
                                      .commandPool = pool,
                                      .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
                                      .commandBufferCount = 1};
  VkCommandBuffer cb;
  if ((r = vkAllocateCommandBuffers(dev, &cbai, &cb)) != VK_SUCCESS)
    return fail("vkAllocateCommandBuffers", r);
  VkCommandBufferBeginInfo cbbi = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
                                   .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT};
  vkBeginCommandBuffer(cb, &cbbi);
  VkBufferCopy region = {.srcOffset = 0, .dstOffset = 0, .size = BYTES};
  vkCmdCopyBuffer(cb, buf[0], buf[1], 1, &region);
  // Make the transfer's writes visible to the host's reads of the mapping.
  VkMemoryBarrier mb = {.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                        .srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT,
                        .dstAccessMask = VK_ACCESS_HOST_READ_BIT};
  vkCmdPipelineBarrier(cb, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &mb,
                       0, NULL, 0, NULL);
  if ((r = vkEndCommandBuffer(cb)) != VK_SUCCESS) return fail("vkEndCommandBuffer", r);

  VkFenceCreateInfo fci = {.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  VkFence fence;
  if ((r = vkCreateFence(dev, &fci, NULL, &fence)) != VK_SUCCESS) return fail("vkCreateFence", r);
  VkSubmitInfo si = {.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
                     .commandBufferCount = 1,
                     .pCommandBuffers = &cb};
  if ((r = vkQueueSubmit(q, 1, &si, fence)) != VK_SUCCESS) return fail("vkQueueSubmit", r);
  if ((r = vkWaitForFences(dev, 1, &fence, VK_TRUE, 60ull * 1000000000ull)) != VK_SUCCESS) {
    // Which half failed: the copy itself (the destination still zero), or only its fence.
    printf("VK-ROUNDTRIP AFTER-WAIT dst %s the source (dst fnv1a=0x%08x, src fnv1a=0x%08x)\n",
           memcmp(src, dst, BYTES) == 0 ? "equals" : "differs from", fnv1a(dst, BYTES), src_fnv);
    return fail("vkWaitForFences", r);
  }

  int rc = 0;
  if (memcmp(src, dst, BYTES) != 0) {
    uint32_t i = 0;
    while (i < BYTES && src[i] == dst[i]) i++;
    printf("VK-ROUNDTRIP FAIL mismatch at byte %u: wrote 0x%02x, read 0x%02x (dst fnv1a=0x%08x)\n",
           i, src[i], dst[i], fnv1a(dst, BYTES));
    rc = 1;
  } else {
    printf("VK-ROUNDTRIP OK bytes=%u fnv1a=0x%08x src_fnv1a=0x%08x\n", BYTES, fnv1a(dst, BYTES),
           src_fnv);
  }
  // Again now that Venus has mapped what the submission needed beside the two buffers (an
  // 8 MiB and a 4 KiB blob of its own here): every blob slot then has the guest's record.
  print_blob_pat("VK-ROUNDTRIP ");
  fflush(stdout);

  vkDestroyFence(dev, fence, NULL);
  vkDestroyCommandPool(dev, pool, NULL);
  for (int b = 0; b < 2; b++) {
    vkUnmapMemory(dev, mem[b]);
    vkDestroyBuffer(dev, buf[b], NULL);
    vkFreeMemory(dev, mem[b], NULL);
  }
  vkDestroyDevice(dev, NULL);
  vkDestroyInstance(inst, NULL);
  return rc;
}
