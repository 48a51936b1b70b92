# The chat page (docs/webui.md), compiled into hearth_server: the files in assets/ become byte
# arrays in a generated source (embed_assets.cmake), rebuilt whenever one of them changes.
# Included from src/server/CMakeLists.txt (the generating rule must live in the directory of the
# target that compiles its output).
set(webui_assets index.html style.css app.js api.js store.js view.js markdown.js favicon.svg)
set(webui_inputs)
foreach(a IN LISTS webui_assets)
  list(APPEND webui_inputs ${CMAKE_CURRENT_LIST_DIR}/assets/${a})
endforeach()
set(webui_generated ${CMAKE_CURRENT_BINARY_DIR}/webui/assets_data.cpp)
add_custom_command(
  OUTPUT ${webui_generated}
  COMMAND ${CMAKE_COMMAND} -DOUT=${webui_generated} -DASSET_DIR=${CMAKE_CURRENT_LIST_DIR}/assets
          "-DASSETS=${webui_assets}" -P ${CMAKE_CURRENT_LIST_DIR}/embed_assets.cmake
  DEPENDS ${webui_inputs} ${CMAKE_CURRENT_LIST_DIR}/embed_assets.cmake
  COMMENT "Embedding the web UI (src/server/webui/assets/)"
  VERBATIM)
target_sources(hearth_server PRIVATE ${CMAKE_CURRENT_LIST_DIR}/webui.cpp
               ${CMAKE_CURRENT_LIST_DIR}/assets.cpp ${webui_generated})
