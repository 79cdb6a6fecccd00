-- The Wi-Fi pipeline's answers, as PostgreSQL views over what the sinks write:
--   pcap          one row per packet (SINK_POSTGRES_PCAP_00: every PCAP_* topic, keyed by the
--                 packet's origin pcap_id = <capture file>:<packet number>, so a packet delivered
--                 twice is one row), tshark's fields as TEXT[] columns, "timestamp" in ms as text;
--   unifi_device, unifi_user
--                 the router's collections (SINK_POSTGRES_UNIFI_00: each change event's document,
--                 flattened by ExtractNewDocumentState, upserted by its _id, deleted by the
--                 tombstone after a delete), one column per field the documents have.
-- Days are UTC days. Every count counts rows, and rows are distinct packets: at-least-once
-- delivery cannot inflate them. Run with: psql -f pipeline.sql (idempotent).

-- the packets, with the parts the questions use
CREATE OR REPLACE VIEW packets AS
SELECT pcap_id,
       to_timestamp("timestamp"::bigint / 1000.0) AS ts,
       (to_timestamp("timestamp"::bigint / 1000.0) AT TIME ZONE 'UTC')::date AS day,
       wlan_fc_type_subtype[1] AS subtype,
       lower(wlan_sa[1]) AS source,
       lower(wlan_ta[1]) AS transmitter,
       wlan_radio_signal_dbm[1]::int AS signal_dbm,
       wlan_ssid[1] AS ssid,
       wlan_tag_oui, wlan_tag_vendor_oui_type, wlan_tag_vendor_data
FROM pcap;

-- the frame subtypes' names (Wireshark's), for the tables people read
CREATE OR REPLACE VIEW subtype_names (subtype, name) AS
VALUES ('0', 'Association Request'), ('1', 'Association Response'), ('4', 'Probe Request'),
       ('5', 'Probe Response'), ('8', 'Beacon'), ('10', 'Disassociate'), ('11', 'Authentication'),
       ('12', 'Deauthentication'), ('13', 'Action'), ('24', 'Block Ack Request'), ('25', 'Block Ack'),
       ('27', 'Request-to-send'), ('28', 'Clear-to-send'), ('29', 'Acknowledgement'), ('32', 'Data'),
       ('36', 'Null function (No data)'), ('40', 'QoS Data'), ('44', 'QoS Null function (No data)');

-- the article's PCAP_STATS: packets per day per subtype, with the earliest and latest
CREATE OR REPLACE VIEW pcap_stats AS
SELECT day AS window_day, subtype, coalesce(n.name, 'subtype ' || subtype) AS subtype_name,
       count(*) AS packets, min(ts) AS earliest, max(ts) AS latest
FROM packets LEFT JOIN subtype_names n USING (subtype)
GROUP BY day, subtype, n.name;

-- the share of each subtype in all packets
CREATE OR REPLACE VIEW subtype_share AS
SELECT subtype, coalesce(n.name, 'subtype ' || subtype) AS subtype_name, count(*) AS packets,
       round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS percent
FROM packets LEFT JOIN subtype_names n USING (subtype)
GROUP BY subtype, n.name;

-- distinct MAC addresses seen sending (source or transmitter address) per day
CREATE OR REPLACE VIEW unique_macs_per_day AS
SELECT day, count(DISTINCT mac) AS unique_macs
FROM (SELECT day, source AS mac FROM packets WHERE source IS NOT NULL
      UNION ALL
      SELECT day, transmitter FROM packets WHERE transmitter IS NOT NULL) m
GROUP BY day;

-- the devices the router knows: its devices, and its clients but its own (Ubiquiti) ones, as
-- the article's lookup did; one name per MAC (a device before a client)
CREATE OR REPLACE VIEW known_devices AS
SELECT DISTINCT ON (mac) mac, name, kind
FROM (SELECT lower(j ->> 'mac') AS mac, coalesce(nullif(j ->> 'name', ''), j ->> 'hostname') AS name,
             'device' AS kind, 1 AS rank
      FROM unifi_device d, to_jsonb(d) j  -- through JSON: a column no document had yet is no error
      UNION ALL
      SELECT lower(j ->> 'mac'), coalesce(nullif(j ->> 'name', ''), j ->> 'hostname'), 'client', 2
      FROM unifi_user u, to_jsonb(u) j
      WHERE coalesce(j ->> 'oui', '') <> 'Ubiquiti') d
WHERE mac IS NOT NULL
ORDER BY mac, rank;

-- the article's PCAP_PROBE_STATS_BY_SOURCE_DEVICE: per probing device, its probes, first and
-- last, signal, the SSIDs it probed for (the empty wildcard SSID left out) and the router's name
CREATE OR REPLACE VIEW probe_stats_by_source_device AS
SELECT p.source, count(*) AS probes, min(p.ts) AS first_probe, max(p.ts) AS last_probe,
       min(p.signal_dbm) AS min_signal_dbm, max(p.signal_dbm) AS max_signal_dbm,
       round(avg(p.signal_dbm), 1) AS avg_signal_dbm,
       coalesce(array_agg(DISTINCT p.ssid ORDER BY p.ssid) FILTER (WHERE p.ssid <> ''), '{}') AS probed_ssids,
       count(DISTINCT p.ssid) FILTER (WHERE p.ssid <> '') AS unique_ssids_probed,
       d.name AS device_name, d.mac IS NOT NULL AS is_known_device
FROM packets p LEFT JOIN known_devices d ON d.mac = p.source
WHERE p.subtype = '4' AND p.source IS NOT NULL
GROUP BY p.source, d.name, d.mac;

-- the article's last section: devices behind randomised MACs, told by the vendor elements of
-- their probe requests. A fingerprint is the probe's vendor OUIs, their types and data; the same
-- fingerprint from several source MACs within an hour points at one device changing MACs.
CREATE OR REPLACE VIEW probe_fingerprints AS
SELECT md5(coalesce(array_to_string(wlan_tag_oui, ','), '') || '|' ||
           coalesce(array_to_string(wlan_tag_vendor_oui_type, ','), '') || '|' ||
           coalesce(array_to_string(wlan_tag_vendor_data, ','), '')) AS fingerprint,
       date_trunc('hour', ts) AS window_start,
       count(DISTINCT source) AS source_macs,
       array_agg(DISTINCT source ORDER BY source) AS macs,
       count(*) AS probes
FROM packets
WHERE subtype = '4' AND source IS NOT NULL AND wlan_tag_oui IS NOT NULL
GROUP BY 1, 2
HAVING count(DISTINCT source) > 1;
