/* The MongoDB source's change-event reader on arbitrary BSON: whatever document a server (or
 * something pretending to be one) sends as a change, it becomes an event or a clear refusal. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dbz_event.h"
#include "kc_plugin_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    bson_t b;
    if (!bson_init_static(&b, data, size) || !bson_validate(&b, BSON_VALIDATE_NONE, NULL)) return 0;
    static const dbz_origin origin = {"unifi", "rs0"};
    dbz_schemas s;
    if (dbz_schemas_build(&kc_host, "unifi", "ace", "device", &s)) return 0;
    dbz_change_kind kind;
    kc_record *r = NULL;
    char msg[256];
    if (dbz_change_record(&kc_host, &origin, &s, &b, 1, &kind, &r, msg, sizeof msg) == KC_OK && r) {
        kc_record *tomb = NULL;
        if (dbz_tombstone(&kc_host, r, &tomb) == KC_OK) kc_host.record_release(tomb);
        kc_host.record_release(r);
    }
    dbz_position at = {1, 1, NULL};
    if (dbz_snapshot_record(&kc_host, &origin, &s, "ace", "device", &b, &at, 1, 1, &r, msg, sizeof msg) == KC_OK)
        kc_host.record_release(r);
    dbz_schemas_release(&kc_host, &s);
    return 0;
}
