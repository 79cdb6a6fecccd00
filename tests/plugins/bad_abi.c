/* A plugin that claims another ABI major: the loader must refuse it, naming this file and
 * both versions, without calling anything but kc_plugin_describe(). */
#include <kc/kc_plugin.h>
#include <stdlib.h>

static int init(const kc_host_api *host, kc_error *err) {
    (void)host, (void)err;
    abort(); /* never reached: a refused plugin's code does not run */
}

static const kc_plugin_desc desc = {
    KC_PLUGIN_MAGIC, KC_ABI_MAJOR + 1, 0, sizeof(kc_plugin_desc),
    KC_PLUGIN_TRANSFORM, "bad-abi", "9.9.9", "built against a future ABI",
    (const char *const[]){"com.example.BadAbiTransform", NULL},
    NULL, init, NULL, NULL, NULL, NULL, NULL, NULL, 0,
};

KC_PLUGIN_DEFINE(desc)
