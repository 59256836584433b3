# `cmake --install`: headers, libraries, the `unimem` tool (with its plot script; the benchmark
# programs, when built, go to libexec/unimem from bench/), the CMake package (targets unimem::unimem,
# unimem::heap, unimem::preload, unimem::mpi, unimem::cuda, unimem::hip) and a pkg-config file.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set_target_properties(unimem_heap PROPERTIES EXPORT_NAME heap)
set_target_properties(unimem_preload PROPERTIES EXPORT_NAME preload)
set_target_properties(unimem_mpi PROPERTIES EXPORT_NAME mpi)
set(_targets unimem unimem_heap unimem_preload unimem_mpi)
if(TARGET unimem_cuda)
  set_target_properties(unimem_cuda PROPERTIES EXPORT_NAME cuda)
  list(APPEND _targets unimem_cuda)
endif()
if(TARGET unimem_hip)
  set_target_properties(unimem_hip PROPERTIES EXPORT_NAME hip)
  list(APPEND _targets unimem_hip unimem_hip_runtime)
endif()
install(TARGETS ${_targets} EXPORT unimemTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
if(TARGET unimem_tool)
  install(TARGETS unimem_tool RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(PROGRAMS host/plot_bench.py DESTINATION ${CMAKE_INSTALL_DATADIR}/unimem)
endif()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/sdk/include/unimem DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

set(_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/unimem)
install(EXPORT unimemTargets NAMESPACE unimem:: DESTINATION ${_cmake_dir})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/unimemConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/unimemConfig.cmake INSTALL_DESTINATION ${_cmake_dir})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/unimemConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/unimemConfig.cmake ${PROJECT_BINARY_DIR}/unimemConfigVersion.cmake
        DESTINATION ${_cmake_dir})
configure_file(${PROJECT_SOURCE_DIR}/cmake/unimem.pc.in ${PROJECT_BINARY_DIR}/unimem.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/unimem.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
