"""Developer tools: talking to wismo as a buyer without Instagram, and the transcripts."""
