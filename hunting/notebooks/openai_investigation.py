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
# # Azure OpenAI behind API Management: investigation
#
# Who is spending tokens, who is being throttled, and who sends data to GenAI services.
# Runs on a workspace (`target`, a name in `workspaces.yaml`; the emulator too) or, without a
# target, on recorded samples with the embedded engine (the same KQL either way).

# %% tags=["parameters"]
project_root = "../.."
target = None
samples = ["hunting/notebooks/samples/*.jsonl"]
timespan = "2024-05-01T00:00:00Z/2024-05-03T00:00:00Z"
family = "genai"

# %%
from collections import defaultdict

import matplotlib.pyplot as plt

from sentinel_dac.hunt.notebook_support import family_hunts, show_table
from sentinel_dac.hunt.source import open_source

source = open_source(project_root, target=target, samples=samples, timespan=timespan)
print("data:", source.description, "| timespan:", timespan)

# %% [markdown]
# ## The family's hunting queries
# Every hunting query of the family, run on the same data; rows per query.

# %%
show_table(family_hunts(source, project_root, family))

# %% [markdown]
# ## Token use per identity over time
# LLM logs carry the tokens, gateway logs the API subscription (the caller's identity at the
# gateway): joined on CorrelationId.

# %%
tokens = source.query("""
ApiManagementGatewayLlmLog
| join kind=inner (ApiManagementGatewayLogs | project CorrelationId, ApimSubscriptionId) on CorrelationId
| summarize Tokens = sum(TotalTokens) by bin(TimeGenerated, 1h), ApimSubscriptionId
| order by TimeGenerated asc
""")
series = defaultdict(list)
for row in tokens.records():
    series[row["ApimSubscriptionId"]].append((row["TimeGenerated"], row["Tokens"]))
fig, ax = plt.subplots(figsize=(10, 4))
for identity, points in sorted(series.items()):
    ax.plot([t for t, _ in points], [n for _, n in points], label=identity, marker=".")
ax.set_title("Tokens per hour by API subscription")
ax.set_ylabel("tokens")
ax.legend()
fig.autofmt_xdate()
plt.show()

# %% [markdown]
# ## Throttling (429) heat map
# Hours with 429 answers per subscription: a burst that hits the rate limit shows as a hot row.

# %%
throttled = source.query("""
ApiManagementGatewayLogs
| summarize Throttled = countif(ResponseCode == 429) by Hour = bin(TimeGenerated, 1h), ApimSubscriptionId
""")
rows = throttled.records()
identities = sorted({r["ApimSubscriptionId"] for r in rows})
hours = sorted({r["Hour"] for r in rows})
grid = [[0] * len(hours) for _ in identities]
for r in rows:
    grid[identities.index(r["ApimSubscriptionId"])][hours.index(r["Hour"])] = r["Throttled"]
fig, ax = plt.subplots(figsize=(10, 2 + 0.4 * len(identities)))
image = ax.imshow(grid, aspect="auto", cmap="Reds")
ax.set_yticks(range(len(identities)), identities)
step = max(1, len(hours) // 12)
ax.set_xticks(range(0, len(hours), step), [h.strftime("%d %H:00") for h in hours[::step]], rotation=45)
ax.set_title("429 answers per hour")
fig.colorbar(image, ax=ax, label="429s")
plt.show()

# %% [markdown]
# ## GenAI egress per user
# Bytes users send to GenAI services through the proxy: uploads of documents stand out.

# %%
egress = source.query("""
CommonSecurityLog
| where DestinationHostName has_any ("openai", "googleapis", "claude.ai", "anthropic", "cognitiveservices")
| summarize SentMB = round(sum(SentBytes) / 1048576.0, 2), Requests = count() by SourceUserName
| order by SentMB desc
""")
show_table(egress)
users = [r["SourceUserName"] for r in egress.records()]
sent = [r["SentMB"] for r in egress.records()]
fig, ax = plt.subplots(figsize=(8, 3 + 0.3 * len(users)))
ax.barh(users[::-1], sent[::-1], color="tab:purple")
ax.set_xlabel("MB sent to GenAI services")
ax.set_title("GenAI egress per user")
plt.show()

# %%
source.close()
