"""The demo: the sample catalogue, agencies' answers filled in as a person would, the whole loop."""
