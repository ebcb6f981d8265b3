# Warning and sanitizer flags shared by every target of the project.
add_library(telclaude_options INTERFACE)
target_compile_options(telclaude_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align
  -Wunused -Woverloaded-virtual -Wformat=2)
if(TELCLAUDE_WERROR)
  target_compile_options(telclaude_options INTERFACE -Werror)
endif()
target_include_directories(telclaude_options INTERFACE
  "${PROJECT_SOURCE_DIR}")
if(TELCLAUDE_ASAN)
  # UBSan's null and vptr checks report inside Debian's CAF build.
  set(san -fsanitize=address,undefined -fno-sanitize=null,vptr
          -fno-omit-frame-pointer)
  # GCC 12 reports false -Wmaybe-uninitialized inside <regex> and
  # <functional> once sanitizers change inlining.
  target_compile_options(telclaude_options INTERFACE ${san}
    -Wno-maybe-uninitialized)
  target_link_options(telclaude_options INTERFACE ${san})
endif()
