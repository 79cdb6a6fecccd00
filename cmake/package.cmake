# The Debian packages (cpack -G DEB, in a tree configured with -DKC_PACKAGE=ON and
# -DCMAKE_INSTALL_PREFIX=/usr): kcd (binaries, plugins, /etc/kcd, the systemd unit; user and state
# folder made by postinst) and kcd-dev (the plugin headers and kcd-plugin.pc).
set(KC_PKG ${CMAKE_SOURCE_DIR}/deploy/package)
install(FILES ${KC_PKG}/worker.properties DESTINATION /etc/kcd COMPONENT runtime)
install(DIRECTORY DESTINATION /etc/kcd/connectors COMPONENT runtime)
install(FILES ${KC_PKG}/kcd.service DESTINATION /lib/systemd/system COMPONENT runtime)
install(FILES ${KC_PKG}/kcd-capture.conf ${CMAKE_SOURCE_DIR}/README.md DESTINATION share/doc/kcd COMPONENT runtime)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME kcd)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "kcd developers <kcd@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "native Kafka Connect worker")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME kcd)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_DEPENDS "adduser")
# Wireshark's manuf and wka tables: the pcap source's *_resolved vendor names
set(CPACK_DEBIAN_RUNTIME_PACKAGE_RECOMMENDS "libwireshark-data")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_EXTRA "${KC_PKG}/postinst;${KC_PKG}/postrm;${KC_PKG}/conffiles")
set(CPACK_DEBIAN_DEV_PACKAGE_NAME kcd-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "kcd (= ${PROJECT_VERSION})")
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
include(CPack)
