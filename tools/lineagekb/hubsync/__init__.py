"""The Hub sync: ask the Hugging Face Hub, compare its answers with the records, write the Hub-owned values back."""
