/* pcapng_ring.h - a rotating ring of pcapng files, as tshark's `-b duration:S -b files:N -w
 * DIR/PREFIX` keeps one: PREFIX_NNNNN_YYYYmmddHHMMSS.pcapng, a new file every `duration_s`
 * seconds of packet time, the oldest deleted past `files`. Written by the pcap source's live
 * capture (pcap.write.dir) so the raw packets can be replayed later through pcap.files.
 * libpcap writes only classic pcap; pcapng's few block types are written here. */
#ifndef PCAPNG_RING_H
#define PCAPNG_RING_H

#include <stddef.h>
#include <stdint.h>

typedef struct pcapng_ring pcapng_ring;

/* dir must exist. 0 and *out, or -1 with a message in err. */
int pcapng_ring_open(const char *dir, const char *prefix, int linktype, uint32_t snaplen, int64_t duration_s,
                     int files, pcapng_ring **out, char *err, size_t errlen);

/* Appends one packet (nanosecond timestamp); rotates first when its time calls for a new file.
 * 0, or -1 with a message in err (the ring stays usable: the next write retries). */
int pcapng_ring_write(pcapng_ring *r, int64_t ts_sec, uint32_t ts_nsec, const uint8_t *data, uint32_t caplen,
                      uint32_t wirelen, char *err, size_t errlen);

/* Pushes buffered packets to the file. */
int pcapng_ring_flush(pcapng_ring *r);

/* The file being written (for logs and tests); NULL before the first packet. */
const char *pcapng_ring_current(const pcapng_ring *r);

void pcapng_ring_close(pcapng_ring *r);

#endif
