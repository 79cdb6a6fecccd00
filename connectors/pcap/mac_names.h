/* mac_names.h - MAC address names as Wireshark 4.0 resolves them for the *_resolved fields:
 * ethers and whole well-known addresses print their name ("Broadcast"). Otherwise the address is
 * cut to 47, 46, ... 24 bits and each cut looked up among the entries written with a mask (wka
 * ranges, /28 and /36 manufacturers) by their written address, regardless of their own mask;
 * then the /24 manufacturer ("Short_xx:xx:xx", retried with the group bit cleared); then cuts
 * of 23 bits down to 0. A hit at a cut of b bits prints the name and the bytes from byte b/8 on
 * ("IPv6mcast_01", "MS-NLB-PhysServer-32_0f:64:78:86:27"); no hit prints the address.
 * Pinned against tshark 4.0 by tests/integration/pcap_vs_tshark.py. Not thread-safe: one per
 * thread (lookups fill a cache). */
#ifndef MAC_NAMES_H
#define MAC_NAMES_H

#include <stddef.h>
#include <stdint.h>

typedef struct mac_names mac_names;

mac_names *mac_names_new(void);
void mac_names_free(mac_names *m);

/* Loads a manuf, wka or ethers file (the same line format: address[/bits], then the name in
 * the first non-empty tab-separated column; '#' starts a comment). is_ethers: entries are
 * full names for whole addresses. Returns the entries read, or -1 when the file cannot be read. */
long mac_names_load(mac_names *m, const char *path, int is_ethers);

/* Writes the resolved name of addr into out (at least 64 bytes); returns its length. *escape:
 * 1 when the name holds a character JSON escapes ('"', '\\', a control character: Debian's
 * manuf has "WattsA\S"), else 0. */
size_t mac_names_resolve(mac_names *m, const uint8_t addr[6], char *out, size_t outlen, int *escape);
#endif
