/* A shared object without kc_plugin_describe(): the loader must refuse it. */
__attribute__((visibility("default"))) int some_other_function(void) { return 42; }
