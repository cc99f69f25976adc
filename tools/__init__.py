"""Developer tools: local invoke and the demo."""
