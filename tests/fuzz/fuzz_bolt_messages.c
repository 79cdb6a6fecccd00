/* The Neo4j sink's readers of what a server sends: Bolt chunks reassembled into messages and
 * PackStream decoded. Whatever arrives, they answer or refuse, never crash or over-allocate. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "packstream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    size_t pos = 0;
    while (pos < size) { /* the input as a stream of chunked messages */
        strbuf msg = STRBUF_INIT;
        size_t used = 0;
        if (bolt_unchunk(data + pos, size - pos, &used, &msg) != KC_OK) {
            strbuf_free(&msg);
            break;
        }
        if (used == 0) __builtin_trap(); /* a message always takes bytes */
        pos += used;
        ps_val v;
        char err[256];
        if (bolt_message_decode((const uint8_t *)msg.data, msg.len, &v, err, sizeof err) == KC_OK) {
            char text[64];
            if (v.type != PS_STRUCT) __builtin_trap();
            ps_text(v.u.st.len ? ps_map_get(&v.u.st.fields[0], "message") : NULL, text, sizeof text);
            ps_val_free(&v);
        }
        strbuf_free(&msg);
    }
    /* and the whole input as one PackStream value */
    ps_val v;
    size_t used;
    char err[256];
    if (ps_decode(data, size, &used, &v, err, sizeof err) == KC_OK) {
        if (used > size) __builtin_trap();
        ps_val_free(&v);
    }
    return 0;
}
