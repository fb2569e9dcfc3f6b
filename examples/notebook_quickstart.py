# %% [markdown]
# # procore-dc in a notebook
#
# Open this file in Jupyter (with jupytext) or VS Code: each `# %%` is a cell. With
# `PROCORE_CLIENT_ID`, `PROCORE_CLIENT_SECRET`, `PROCORE_ENVIRONMENT` and `PROCORE_COMPANY_ID`
# set, it reads your company; without them it starts the embedded sandbox, FakeProcore.

# %%
import os

from procore_dc import ConfigurationError, ProcoreClient, ServiceAccountAuth

if os.environ.get("PROCORE_CLIENT_ID"):
    # The three lines, with your credentials in the environment:
    client = ProcoreClient.from_env()
    company_id = int(os.environ["PROCORE_COMPANY_ID"])
else:
    from procore_dc.testing import FakeProcore

    sandbox = FakeProcore(seed=0).start()  # call sandbox.stop() when done
    app = sandbox.default_app
    company_id = int(sandbox.data.companies[0]["id"])
    auth = ServiceAccountAuth(app.client_id, app.client_secret, environment=sandbox.environment)
    client = ProcoreClient(auth, company_id=company_id)

company = client.company(company_id)
client.me()

# %% [markdown]
# Lists are lazy `PageIterator`s: nothing is fetched until you iterate, and `.total` costs one
# request. Models print their key fields only.

# %%
projects = company.projects.list()
print(projects.total, "projects")
first = projects.to_list()[0]
first  # noqa: B018 - a notebook cell shows its last expression

# %%
rfis = company.project(first.id).rfis.list(per_page=100, limit=250)
rows = rfis.to_list()
print(len(rows), "RFIs;", rows[0])

# %% [markdown]
# With pandas installed, `to_dataframe()` gives a table (pandas is never required).
# `examples/notebook.ipynb` (the notebooks guide) goes further: a progress bar and a chart.

# %%
try:
    frame = rfis.to_dataframe()
    print(frame[["number", "subject", "status"]].head())
except ConfigurationError as exc:  # pandas is not installed: the message says what to install
    print("no dataframe:", exc)

# %%
if not os.environ.get("PROCORE_CLIENT_ID"):
    sandbox.stop()
