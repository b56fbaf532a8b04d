"""The records: the data model, reading YAML with line numbers, loading, and the checks across records."""
