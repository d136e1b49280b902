"""Document sharing: each working group's library of folders, documents and their versions."""
