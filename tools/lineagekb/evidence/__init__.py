"""Evidence from the weights: safetensors headers, fingerprints, and what they say of each edge and file."""
