/* mac_names.h - MAC address names as Wireshark 4.0 resolves them for the *_resolved fields:
 * ethers (full names), then the longest matching prefix of the manuf and well-known-address
 * (wka) tables. A /24 manufacturer prints "Short_xx:xx:xx"; any other prefix prints its name
 * and the bytes after the prefix without their leading zero bytes ("IPv6mcast_01"); a whole
 * address prints its name alone ("Broadcast"); no match prints the address. */
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

/* Writes the resolved name of addr into out (at least 64 bytes). */
void mac_names_resolve(mac_names *m, const uint8_t addr[6], char *out, size_t outlen);

#endif
