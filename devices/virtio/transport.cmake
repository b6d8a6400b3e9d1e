# The virtio-pci modern transport, included by devices/virtio/CMakeLists.txt (which defines
# vmm_virtio). Kept in its own file so the transport and the virtqueue have separate owners.
add_library(vmm_virtio_pci STATIC
  ${CMAKE_CURRENT_LIST_DIR}/virtio_pci.cc
  ${CMAKE_CURRENT_LIST_DIR}/virtio_pci_common.cc
)
target_link_libraries(vmm_virtio_pci PUBLIC vmm_pci vmm_virtio PRIVATE spdlog::spdlog)
