# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Key Vault: investigation
#
# Which identities read which secrets, and when. Runs on a workspace (`target`) or, without one, on
# recorded samples with the embedded engine.

# %% tags=["parameters"]
project_root = "../.."
target = None
samples = ["hunting/notebooks/samples/*.jsonl"]
timespan = "2024-05-01T00:00:00Z/2024-05-03T00:00:00Z"
family = "keyvault"

# %%
from collections import defaultdict

import matplotlib.pyplot as plt

from sentinel_dac.hunt.notebook_support import family_hunts, show_table
from sentinel_dac.hunt.source import open_source

source = open_source(project_root, target=target, samples=samples, timespan=timespan)
print("data:", source.description, "| timespan:", timespan)

# %% [markdown]
# ## The family's hunting queries

# %%
show_table(family_hunts(source, project_root, family))

# %% [markdown]
# ## Identities by distinct secrets read
# Applications read the same few secrets all day; someone enumerating a vault reads many once.

# %%
readers = source.query("""
AZKVAuditLogs
| where OperationName in ("SecretGet", "SecretList")
| extend Identity = tostring(Identity.claim.upn)
| summarize Operations = count(), DistinctSecrets = dcount(RequestUri), Lists = countif(OperationName == "SecretList"),
    From = make_set(CallerIpAddress, 5) by Identity
| order by DistinctSecrets desc
""")
show_table(readers)
suspect = readers.records()[0]["Identity"] if readers.rows else None

# %% [markdown]
# ## Key Vault operations timeline
# Operations per 10 minutes; the identity with the most distinct secrets is drawn apart.

# %%
timeline = source.query("""
AZKVAuditLogs
| extend Identity = tostring(Identity.claim.upn)
| summarize Operations = count() by bin(TimeGenerated, 10m), OperationName, Identity
| order by TimeGenerated asc
""")
lines = defaultdict(list)
for r in timeline.records():
    who = "suspect: " + r["Identity"] if r["Identity"] == suspect else "others"
    lines[(who, r["OperationName"])].append((r["TimeGenerated"], r["Operations"]))
fig, ax = plt.subplots(figsize=(10, 4))
for (who, op), points in sorted(lines.items()):
    ax.scatter([t for t, _ in points], [n for _, n in points], label=f"{who} {op}", s=14)
ax.set_title("Key Vault operations per 10 minutes")
ax.set_ylabel("operations")
ax.legend(fontsize="small")
fig.autofmt_xdate()
plt.show()

# %%
source.close()
