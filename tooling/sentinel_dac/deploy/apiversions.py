"""Which REST API version each kind of object is sent with, and why.

Chosen deliberately per kind (docs/deploy.md repeats the reasons):

* Scheduled analytics rules: **2025-09-01**, the newest *stable* Microsoft.SecurityInsights
  version whose spec we ship. Stable versions carry no `subTechniques`, and the service rejects a
  sub-technique id in `techniques` ("The technique 'T1071.001' is invalid. The expected format is
  'T####'", research notes §8.5), so sub-techniques are reduced to their parent technique.
* NRT analytics rules: **2025-07-01-preview**, the newest preview with the `NRT` kind whose
  per-resource spec (AlertRules.json) is published (research notes §8.1-8.2); no stable version has
  NRT (§8.3). It also carries `subTechniques`. The Python SDK (2.0.0b4) targets 2025-10-01-preview,
  for which no per-resource spec was available to validate against.
* Listing alert rules: the NRT (preview) version, because a stable api-version does not return NRT
  rules (§7.3: azure-sdk-for-python#39996, msticpy#788).
* Saved searches (hunting queries, parsers): **2025-07-01**, the newest stable
  Microsoft.OperationalInsights version; azure-mgmt-loganalytics 14 targets exactly this version.
* Workbooks: **2023-06-01**, the newest stable Microsoft.Insights workbooks version;
  azure-mgmt-applicationinsights ships a `v2023_06_01` client for it.
* Watchlists: **2025-09-01**, the same stable Microsoft.SecurityInsights version as Scheduled rules:
  watchlists have been GA for years, the stable body has everything we send (rawContent bulk upload,
  itemsSearchKey, labels), and one stable version per resource provider keeps the spec set small.
"""

from __future__ import annotations

SCHEDULED_RULES = "2025-09-01"
NRT_RULES = "2025-07-01-preview"
LIST_ALERT_RULES = NRT_RULES
SAVED_SEARCHES = "2025-07-01"
WORKBOOKS = "2023-06-01"
WATCHLISTS = "2025-09-01"

STABLE_SECURITY_INSIGHTS = "2025-09-01"
PREVIEW_SECURITY_INSIGHTS = "2025-07-01-preview"
