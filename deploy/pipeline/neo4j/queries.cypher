// The article's graph questions over what SINK_NEO4J_PCAP_PROBES_00 and SINK_NEO4J_UNIFI_00 build:
// (:source {mac, mac_resolved, is_known, device_name})-[:LOOKED_FOR_SSID]->(:ssid {name}) and
// (:device {mac, name}). Each statement ends with ';' and follows a '//' line naming it
// (run-local prints them in turn; cypher-shell -f runs the file as it is).

// devices and the SSIDs they probe for, the router's name on those it knows
MATCH (s:source)-[:LOOKED_FOR_SSID]->(n:ssid) WHERE n.name <> ''
RETURN s.mac AS mac, s.mac_resolved AS vendor, coalesce(s.device_name, '') AS device_name, collect(n.name) AS ssids
ORDER BY mac;

// SSIDs by how many devices look for them
MATCH (s:source)-[:LOOKED_FOR_SSID]->(n:ssid) WHERE n.name <> ''
RETURN n.name AS ssid, count(DISTINCT s) AS devices
ORDER BY devices DESC, ssid;

// devices the router knows, seen probing
MATCH (s:source) WHERE s.is_known
RETURN s.mac AS mac, s.device_name AS device_name
ORDER BY mac;

// unknown devices looking for an SSID a known device looks for (visitors who know the network)
MATCH (k:source {is_known: true})-[:LOOKED_FOR_SSID]->(n:ssid)<-[:LOOKED_FOR_SSID]-(u:source)
WHERE n.name <> '' AND NOT coalesce(u.is_known, false)
RETURN u.mac AS mac, u.mac_resolved AS vendor, collect(DISTINCT n.name) AS shared_ssids
ORDER BY mac;
