"""The API host's routes, one module per Procore tool, each exporting ``rules()``."""
