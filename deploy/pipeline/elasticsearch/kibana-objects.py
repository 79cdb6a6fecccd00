#!/usr/bin/env python3
"""kibana-objects.py > kibana-objects.ndjson - Kibana saved objects for the pipeline's index
`pcap`: an index pattern (time field `timestamp`) and a dashboard of the article's charts, as
Kibana's export format (one object a line, references by id), aggregation-based visualizations
in Kibana 7.10's layout, which Kibana 7.10 and later (and OpenSearch Dashboards) migrate on
import: Stack Management > Saved objects > Import.

tests/integration/kibana_objects.py checks the file against this script and runs every
chart's aggregation on the index the pipeline filled."""
import json

INDEX_PATTERN = "kcd-pcap"
PROBES = 'wlan_fc_type_subtype : "4"'  # the charts about probe requests


def agg(id_, type_, schema, **params):
    return {"id": str(id_), "enabled": True, "type": type_, "schema": schema, "params": params}


def xy(kind, value_title):
    """params of an aggregation-based bar or line chart (Kibana 7.10)"""
    return {
        "type": kind,
        "grid": {"categoryLines": False},
        "categoryAxes": [{"id": "CategoryAxis-1", "type": "category", "position": "bottom", "show": True,
                          "style": {}, "scale": {"type": "linear"}, "labels": {"show": True, "filter": True, "truncate": 100},
                          "title": {}}],
        "valueAxes": [{"id": "ValueAxis-1", "name": "LeftAxis-1", "type": "value", "position": "left", "show": True,
                       "style": {}, "scale": {"type": "linear", "mode": "normal"},
                       "labels": {"show": True, "rotate": 0, "filter": False, "truncate": 100},
                       "title": {"text": value_title}}],
        "seriesParams": [{"show": True, "type": kind, "mode": "stacked" if kind == "histogram" else "normal",
                          "data": {"label": value_title, "id": "1"}, "valueAxis": "ValueAxis-1",
                          "drawLinesBetweenPoints": True, "lineWidth": 2, "showCircles": True}],
        "addTooltip": True, "addLegend": True, "legendPosition": "right", "times": [], "addTimeMarker": False,
        "labels": {"show": False}, "thresholdLine": {"show": False, "value": 10, "width": 1, "style": "full", "color": "#E7664C"},
    }


TABLE = {"perPage": 20, "showPartialRows": False, "showMetricsAtAllLevels": False, "showTotal": False,
         "totalFunc": "sum", "percentageCol": ""}
PIE = {"type": "pie", "addTooltip": True, "addLegend": True, "legendPosition": "right", "isDonut": True,
       "labels": {"show": True, "values": True, "last_level": True, "truncate": 100}}

# (id, title, description, vis type, params, aggs, query): the article's charts
CHARTS = [
    ("kcd-pcap-subtypes-per-day", "Packets per day and subtype",
     "The article's PCAP_STATS: packets of each frame subtype (4 probe request, 8 beacon, 27 RTS, 28 CTS, 29 ACK, 36 null data) per day.",
     "histogram", xy("histogram", "Packets"),
     [agg(1, "count", "metric"),
      agg(2, "date_histogram", "segment", field="timestamp", interval="d", min_doc_count=1, extended_bounds={}),
      agg(3, "terms", "group", field="wlan_fc_type_subtype", size=20, order="desc", orderBy="1")], ""),
    ("kcd-pcap-subtype-share", "Share of each subtype", "Packets of each frame subtype over the chosen time range.",
     "pie", PIE,
     [agg(1, "count", "metric"),
      agg(2, "terms", "segment", field="wlan_fc_type_subtype", size=20, order="desc", orderBy="1")], ""),
    ("kcd-pcap-probes-over-time", "Probe requests over time", "Probe requests (subtype 4) in each interval.",
     "line", xy("line", "Probe requests"),
     [agg(1, "count", "metric"),
      agg(2, "date_histogram", "segment", field="timestamp", interval="auto", min_doc_count=1, extended_bounds={})],
     PROBES),
    ("kcd-pcap-probes-by-device", "Probe requests per source device",
     "PCAP_PROBE_STATS_BY_SOURCE_DEVICE: per source MAC, its probe requests, first and last probe, signal, SSIDs probed.",
     "table", TABLE,
     [agg(1, "count", "metric", customLabel="Probe requests"),
      agg(2, "terms", "bucket", field="wlan_sa", size=100, order="desc", orderBy="1", customLabel="Source MAC"),
      agg(3, "min", "metric", field="timestamp", customLabel="First probe"),
      agg(4, "max", "metric", field="timestamp", customLabel="Last probe"),
      agg(5, "min", "metric", field="wlan_radio_signal_dbm", customLabel="Min signal (dBm)"),
      agg(6, "max", "metric", field="wlan_radio_signal_dbm", customLabel="Max signal (dBm)"),
      agg(7, "avg", "metric", field="wlan_radio_signal_dbm", customLabel="Avg signal (dBm)"),
      agg(8, "cardinality", "metric", field="wlan_ssid", customLabel="SSIDs probed")], PROBES),
    ("kcd-pcap-ssids", "SSIDs probed for", "Each SSID in probe requests, with how many source MACs look for it.",
     "table", TABLE,
     [agg(1, "cardinality", "metric", field="wlan_sa", customLabel="Devices"),
      agg(2, "terms", "bucket", field="wlan_ssid", size=100, order="desc", orderBy="1", customLabel="SSID"),
      agg(3, "count", "metric", customLabel="Probe requests")], PROBES),
    ("kcd-pcap-unique-macs-per-day", "Unique MACs per day",
     "Distinct source (wlan_sa) and transmitter (wlan_ta) addresses seen each day.",
     "histogram", xy("histogram", "Unique MACs"),
     [agg(1, "cardinality", "metric", field="wlan_sa", customLabel="Source MACs"),
      agg(3, "cardinality", "metric", field="wlan_ta", customLabel="Transmitter MACs"),
      agg(2, "date_histogram", "segment", field="timestamp", interval="d", min_doc_count=1, extended_bounds={})], ""),
]


def search_source(query):
    return json.dumps({"query": {"query": query, "language": "kuery"}, "filter": [],
                       "indexRefName": "kibanaSavedObjectMeta.searchSourceJSON.index"})


def objects():
    yield {"id": INDEX_PATTERN, "type": "index-pattern", "migrationVersion": {"index-pattern": "7.6.0"},
           "attributes": {"title": "pcap", "timeFieldName": "timestamp", "fields": "[]"}, "references": []}
    for id_, title, description, kind, params, aggs, query in CHARTS:
        yield {"id": id_, "type": "visualization", "migrationVersion": {"visualization": "7.10.0"},
               "attributes": {"title": title, "description": description, "uiStateJSON": "{}", "version": 1,
                              "visState": json.dumps({"title": title, "type": kind, "params": params, "aggs": aggs}),
                              "kibanaSavedObjectMeta": {"searchSourceJSON": search_source(query)}},
               "references": [{"name": "kibanaSavedObjectMeta.searchSourceJSON.index", "type": "index-pattern",
                               "id": INDEX_PATTERN}]}
    panels = []
    for i, (id_, *_) in enumerate(CHARTS):
        panels.append({"version": "7.10.0", "panelIndex": str(i + 1), "panelRefName": "panel_%d" % i,
                       "gridData": {"x": 24 * (i % 2), "y": 15 * (i // 2), "w": 24, "h": 15, "i": str(i + 1)},
                       "embeddableConfig": {}})
    yield {"id": "kcd-wifi-pipeline", "type": "dashboard", "migrationVersion": {"dashboard": "7.9.3"},
           "attributes": {"title": "Wi-Fi pipeline (kcd)",
                          "description": "The article's charts over the captures kcd delivered to the index pcap.",
                          "hits": 0, "timeRestore": False, "version": 1,
                          "optionsJSON": json.dumps({"useMargins": True, "hidePanelTitles": False}),
                          "panelsJSON": json.dumps(panels),
                          "kibanaSavedObjectMeta": {"searchSourceJSON": json.dumps(
                              {"query": {"query": "", "language": "kuery"}, "filter": []})}},
           "references": [{"name": "panel_%d" % i, "type": "visualization", "id": c[0]} for i, c in enumerate(CHARTS)]}


if __name__ == "__main__":
    for o in objects():
        print(json.dumps(o, separators=(",", ":"), sort_keys=True))
