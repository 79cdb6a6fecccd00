# summary.awk - what a user of the Wi-Fi pipeline looks at first, from the pcap source's JSON
# lines: packets per frame subtype, and the devices sending probe requests (the SSIDs they look
# for). Plain POSIX awk: the demo installs nothing to read its output.

# the first value of a field's array of strings ("" when the record lacks it)
function first(line, field,   i, rest) {
    i = index(line, "\"" field "\":[\"")
    if (!i) return ""
    rest = substr(line, i + length(field) + 5)
    return substr(rest, 1, index(rest, "\"") - 1)
}

BEGIN {
    # tshark's wlan.fc.type_subtype names (type * 16 + subtype)
    split("0:Association Request|1:Association Response|2:Reassociation Request|3:Reassociation Response|" \
          "4:Probe Request|5:Probe Response|6:Timing Advertisement|8:Beacon|9:ATIM|10:Disassociation|" \
          "11:Authentication|12:Deauthentication|13:Action|14:Action No Ack|18:Trigger|" \
          "20:Beamforming Report Poll|21:VHT/HE NDP Announcement|23:Control Wrapper|24:Block Ack Request|" \
          "25:Block Ack|26:PS-Poll|27:RTS|28:CTS|29:Acknowledgement|30:CF-End|31:CF-End+CF-Ack|32:Data|" \
          "33:Data + CF-Ack|34:Data + CF-Poll|35:Data + CF-Ack + CF-Poll|36:Null function (No data)|" \
          "37:CF-Ack (No data)|38:CF-Poll (No data)|39:CF-Ack/Poll (No data)|40:QoS Data|" \
          "41:QoS Data + CF-Ack|42:QoS Data + CF-Poll|43:QoS Data + CF-Ack + CF-Poll|44:QoS Null function|" \
          "46:QoS CF-Poll (No data)|47:QoS CF-Ack + CF-Poll (No data)", names, "|")
    for (i in names) { split(names[i], kv, ":"); subtype_name[kv[1]] = kv[2] }
}

{
    records++
    s = first($0, "wlan_fc_type_subtype")
    if (s == "") s = "-"
    packets[s]++
    if (s == "4" && (sa = first($0, "wlan_sa")) != "") {
        probes[sa]++
        vendor[sa] = first($0, "wlan_sa_resolved")
        ssid = first($0, "wlan_ssid")
        if (ssid == "") ssid = "(any)"
        if (index("|" ssids[sa] "|", "|" ssid "|") == 0) ssids[sa] = ssids[sa] (ssids[sa] == "" ? "" : "|") ssid
    }
}

END {
    printf "\n%d records\n\npackets per subtype\n", records
    for (s in packets)
        printf "  %6d  %3s  %s\n", packets[s], s, (s in subtype_name) ? subtype_name[s] : "(not 802.11)" | "sort -rn"
    close("sort -rn")
    n = 0
    for (sa in probes) n++
    printf "\n%d devices sending probe requests (probes, source, vendor, SSIDs looked for)\n", n
    for (sa in probes) {
        list = ssids[sa]
        gsub(/\|/, ", ", list)
        printf "  %6d  %s  %-24s %s\n", probes[sa], sa, vendor[sa], list | "sort -rn"
    }
    close("sort -rn")
}
