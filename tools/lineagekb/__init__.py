"""Model Lineage: where each model release comes from, with sources."""
