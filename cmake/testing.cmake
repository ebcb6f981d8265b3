# telclaude_add_test(NAME <name> LABEL <unit|actor|integration|e2e|real-cli>
#                    SOURCES <files...> LIBS <targets...> [TIMEOUT <s>])
# One Boost.Test binary per component test file, registered with CTest.
function(telclaude_add_test)
  cmake_parse_arguments(T "" "NAME;LABEL;TIMEOUT" "SOURCES;LIBS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS}
    Boost::unit_test_framework telclaude_options)
  target_compile_definitions(${T_NAME} PRIVATE BOOST_TEST_DYN_LINK)
  add_test(NAME ${T_NAME} COMMAND ${T_NAME} --log_level=message)
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABEL}"
    TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "TELCLAUDE_SOURCE_DIR=${PROJECT_SOURCE_DIR};TELCLAUDE_BINARY_DIR=${PROJECT_BINARY_DIR}")
endfunction()
