"""The content editors' workflow: catalogs, checks, preview and publish."""
