"""The static site: pages, graphs and data exports rendered from the records."""
