"""A fake Hugging Face Hub on loopback, and a runner for the sync tool against it."""
