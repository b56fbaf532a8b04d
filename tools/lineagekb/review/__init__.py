"""Pull-request review: what a change does to the records, the graph and the model."""
