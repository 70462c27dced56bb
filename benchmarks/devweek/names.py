"""Fixed vocabularies for the synthetic organisation (Contoso, `contoso.example`).

Names are combined at random from these lists, so no generated person is a
real one; domains other than the GenAI catalogue and Azure service suffixes are
`*.example` or well-known public services used only as destinations.
"""

from __future__ import annotations

ORG_DOMAIN = "contoso.example"
SHAREPOINT_HOST = "contosoexample.sharepoint.com"
ONEDRIVE_HOST = "contosoexample-my.sharepoint.com"

FIRST_NAMES = (
    "Ada",
    "Bram",
    "Cleo",
    "Dario",
    "Edda",
    "Farid",
    "Greta",
    "Hugo",
    "Ines",
    "Jonas",
    "Kira",
    "Lior",
    "Mara",
    "Niko",
    "Oona",
    "Pavel",
    "Quinn",
    "Rosa",
    "Sami",
    "Tilde",
    "Umar",
    "Vera",
    "Wim",
    "Xenia",
    "Yara",
    "Zeno",
    "Aiko",
    "Bela",
    "Cyra",
    "Dov",
    "Elio",
    "Fenna",
    "Gus",
    "Hana",
    "Ivo",
    "Juno",
    "Kasi",
    "Lumi",
    "Milo",
    "Nell",
    "Otto",
    "Pia",
    "Rafe",
    "Sela",
    "Teo",
    "Ulla",
    "Vito",
    "Wren",
)
LAST_NAMES = (
    "Aldren",
    "Brisk",
    "Calloway",
    "Dunmore",
    "Eskel",
    "Fairholt",
    "Grieve",
    "Hollin",
    "Ivers",
    "Jantz",
    "Kestrel",
    "Lorne",
    "Marchetti",
    "Norwick",
    "Oakes",
    "Pelham",
    "Quarry",
    "Rusk",
    "Stroud",
    "Thorne",
    "Umber",
    "Vance",
    "Wexley",
    "Yarrow",
    "Zell",
    "Ambrose",
    "Bexley",
    "Corrin",
    "Delacroix",
    "Ember",
    "Fennick",
    "Galloway",
    "Harrow",
    "Ingles",
    "Jorvik",
    "Kellan",
    "Lindqvist",
    "Moravec",
    "Nyland",
    "Ostrava",
    "Petrak",
    "Quill",
    "Renwick",
    "Sablon",
    "Tamsin",
    "Ulrich",
    "Varga",
    "Whitlock",
)

# department → (headcount, new hires starting on day 2, share working remotely)
DEPARTMENTS: dict[str, tuple[int, int, float]] = {
    "engineering": (24, 2, 0.4),
    "datascience": (8, 1, 0.4),
    "finance": (14, 1, 0.2),
    "corpdev": (4, 0, 0.2),  # M&A deal team: reads the most sensitive SharePoint site
    "hr": (10, 0, 0.2),
    "platform": (4, 0, 0.3),  # the cloud platform team: the only humans expected to change AI/Key Vault config
    "sales": (30, 0, 0.5),
    "support": (40, 2, 0.3),
    "legal": (6, 0, 0.2),
    "operations": (26, 0, 0.3),
}

# Ordinary web destinations (not GenAI); hosts are example domains or public services.
BROWSING = (
    ("intranet.contoso.example", "Business Use", 40_000, 2),
    (SHAREPOINT_HOST, "Online Storage", 60_000, 5),
    ("outlook.office.com", "Email", 30_000, 4),
    ("teams.microsoft.com", "Collaboration", 20_000, 8),
    ("login.microsoftonline.com", "Business Use", 6_000, 2),
    ("www.bing.com", "Search Engines", 90_000, 1),
    ("learn.microsoft.com", "Reference", 120_000, 1),
    ("github.com", "Developer", 150_000, 2),
    ("stackoverflow.com", "Developer", 200_000, 1),
    ("news.fabrikam.example", "News", 300_000, 1),
    ("crm.tailspin.example", "Business Use", 25_000, 6),
    ("travel.northwind.example", "Travel", 80_000, 1),
    ("files.wingtip.example", "File Sharing", 10_000, 1),
)
"""(host, proxy category, typical bytes received, typical KB sent)."""

SHAREPOINT_SITES = (
    ("Engineering", False),
    ("Sales", False),
    ("Support-KB", False),
    ("HR-Policies", False),
    ("Operations", False),
    ("Finance-Restricted", True),
    ("MA-ProjectAtlas", True),
    ("Legal-Contracts", True),
)
"""(site name, sensitive?) — sensitive sites are listed in inventory/sensitive_sites.csv."""

FILE_STEMS = (
    "Q3 forecast",
    "board pack",
    "pricing model",
    "customer list",
    "roadmap",
    "architecture review",
    "runbook",
    "salary bands",
    "contract draft",
    "due diligence",
    "incident report",
    "sales deck",
    "onboarding guide",
    "budget",
    "org chart",
    "test plan",
)
FILE_EXTENSIONS = ("docx", "xlsx", "pptx", "pdf")

BROWSER_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0"
)
