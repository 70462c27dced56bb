"""Microsoft Sentinel's documented numbers the simulator applies, each with its source.

Sources are quoted in docs/sentinel-semantics.md (copied from the team's
research notes); `[SL]` is learn.microsoft.com/azure/sentinel/sentinel-service-limits
(MicrosoftDocs/azure-docs articles/sentinel/sentinel-service-limits.md @ 0612ddc0,
ms.date 03/19/2025), `[SRO]` is .../scheduled-rules-overview (@ 23dac431),
`[NRT]` is .../near-real-time-rules and .../create-nrt-rules (@ 030a1a69, 0b4acc5d),
`[MAP]` is .../map-data-fields-to-entities, `[CD]` .../surface-custom-details-in-alerts
and the Tech Community custom-details announcement, `[CAD]` .../customize-alert-details.
"""

from __future__ import annotations

from datetime import timedelta

SCHEDULED_DELAY = timedelta(minutes=5)
"""[SRO] "Microsoft Sentinel runs scheduled analytics rules on a five-minute delay from their scheduled time."
A run scheduled at T evaluates the window ending at T but only sees rows ingested by T + 5 min."""

NRT_DELAY = timedelta(minutes=2)
"""[NRT] "NRT rules run on just a two-minute delay"."""

NRT_PERIOD = timedelta(minutes=1)
"""[NRT] "hard-coded to run once every minute and capture events ingested in the preceding minute"."""

MAX_ALERTS_PER_RUN = 150
"""[SL] "Alerts per rule … 150 alerts" with Trigger an alert for each event; [SRO] more than 150
results: "the first 149 events will each generate a unique alert … and the 150th alert will
summarize the entire set of returned events"."""

MAX_ALERTS_PER_RUN_NRT = 30
"""[SL] "Alerts per rule for NRT rules: 30 alerts"; [NRT] "alerts for the first 29, then a 30th alert
that summarizes all the applicable events"."""

MAX_ENTITIES_PER_ALERT = 500
"""[SL]/[MAP] "Up to 500 entities collectively can be identified in a single alert, divided equally
across all entity mappings defined in the rule." Excess items "will not be recognized"."""

MAX_ENTITIES_BYTES = 64 * 1024
"""[MAP] "Entities fields that grow larger than 64 KB will be truncated … entities are added to the
alert one by one until the field size reaches 64 KB"."""

MAX_CUSTOM_DETAIL_VALUES = 50
"""[SL] "Custom details: … 50 values per detail"."""

MAX_CUSTOM_DETAILS_BYTES = 2 * 1024
"""[SL] "2 KB cumulative size"; [CD] blog: "details are limited to 2 KB collectively. Additional details
will be dropped". (The 2022 doc page says 64 KB for custom and alert details together; we apply the
stricter, newer service-limits figure.)"""

MAX_ALERT_NAME_BYTES = 256
"""[SL] "256 bytes per field for AlertName and non-collections". Beyond it: behaviour NOT documented
(truncate or reject); the simulator keeps the text and reports a note."""

MAX_DESCRIPTION_BYTES = 5 * 1024
"""[SL] "5 KB per field for Description and collections" (same caveat as above)."""

SEVERITIES = ("Informational", "Low", "Medium", "High")
